// Loading credential schemas: the shipped set, SCHEMAS_PATH adding and replacing schemas, and a
// broken file refused with its name.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCredentialSchemas } from './schemas.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'credential-schemas-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadCredentialSchemas', () => {
  it('adds the schemas of SCHEMAS_PATH and lets one replace a shipped schema', () => {
    writeFileSync(
      join(dir, 'mongodb.json'),
      JSON.stringify({
        type: 'object',
        properties: { uri: { type: 'string' }, clusterSecret: { type: 'string', sensitive: true } },
        required: ['uri'],
      }),
    );
    writeFileSync(join(dir, 'http.json'), JSON.stringify({ type: 'object', required: ['only'] }));
    const schemas = loadCredentialSchemas(dir);
    expect(schemas.list().map((s) => s.name)).toEqual([
      'dhis2',
      'googlesheets',
      'http',
      'mongodb',
      'postgresql',
      'raw',
      'salesforce',
    ]);
    expect(schemas.validate('mongodb', {})).toEqual({ 'body.uri': ["can't be blank"] });
    expect(schemas.validate('http', { baseUrl: 'https://x' })).toEqual({
      'body.only': ["can't be blank"],
    });
    expect(schemas.sensitivity('mongodb')(['clusterSecret'])).toBe(true);
    expect(schemas.sensitivity('mongodb')(['uri'])).toBe(false);
  });

  it('marks writeOnly, format password and nested fields of the shipped schemas', () => {
    const schemas = loadCredentialSchemas();
    expect(schemas.sensitivity('postgresql')(['password'])).toBe(true);
    expect(schemas.sensitivity('postgresql')(['host'])).toBe(false);
    expect(schemas.sensitivity('salesforce')(['securityToken'])).toBe(true);
    expect(schemas.validate('raw', { anything: [1, { at: 'all' }] })).toBeNull();
  });

  it('refuses a file that is not JSON or not a schema, naming it', () => {
    writeFileSync(join(dir, 'broken.json'), '{ "type": ');
    expect(() => loadCredentialSchemas(dir)).toThrow(/broken\.json is not usable/);
    rmSync(join(dir, 'broken.json'));
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ type: 'no-such-type' }));
    expect(() => loadCredentialSchemas(dir)).toThrow(/wrong\.json is not usable/);
  });

  it('refuses a SCHEMAS_PATH that cannot be read', () => {
    expect(() => loadCredentialSchemas(join(dir, 'missing'))).toThrow(
      /SCHEMAS_PATH .* cannot be read/,
    );
  });
});
