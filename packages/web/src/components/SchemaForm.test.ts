import { describe, expect, it } from 'vitest';
import { coerceToSchema } from './SchemaForm';

describe('coerceToSchema', () => {
  const schema = {
    type: 'object',
    properties: {
      host: { type: 'string' },
      port: { type: 'integer' },
      ratio: { type: ['number', 'null'] },
      ssl: { type: 'boolean' },
    },
  };

  it('sends numbers as numbers and leaves out what was left empty', () => {
    expect(
      coerceToSchema(schema, { host: 'db', port: '5432', ratio: '0.5', ssl: true, user: '' }),
    ).toEqual({
      host: 'db',
      port: 5432,
      ratio: 0.5,
      ssl: true,
    });
  });

  it('keeps a number field that is not a number as typed, for the server to name', () => {
    expect(coerceToSchema(schema, { port: 'five' })).toEqual({ port: 'five' });
  });
});
