import { describe, expect, it } from 'vitest';
import { toIsoTimestamp } from './iso-timestamp.js';

describe('toIsoTimestamp', () => {
  it("rewrites PostgreSQL's text as ISO 8601 in UTC with six fractional digits", () => {
    expect(toIsoTimestamp('2026-12-05 07:31:06.367+00')).toBe('2026-12-05T07:31:06.367000Z');
    expect(toIsoTimestamp('2026-12-05 07:31:06+00')).toBe('2026-12-05T07:31:06.000000Z');
    expect(toIsoTimestamp('2026-12-05 07:31:06.123456+05:30')).toBe('2026-12-05T02:01:06.123456Z');
    expect(toIsoTimestamp('2026-01-01 00:00:00.5-02')).toBe('2026-01-01T02:00:00.500000Z');
    expect(toIsoTimestamp('2026-12-05T07:31:06.367000Z')).toBe('2026-12-05T07:31:06.367000Z');
  });

  it('leaves text that is no such timestamp alone', () => {
    expect(toIsoTimestamp('infinity')).toBe('infinity');
    expect(toIsoTimestamp('0044-03-15 12:00:00+00 BC')).toBe('0044-03-15 12:00:00+00 BC');
  });
});
