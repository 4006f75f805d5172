import { microsToDate, parseTimestamp, toMicroTimestamp } from './timestamps.js';

describe('parseTimestamp', () => {
  it('reads a 16-digit string as microseconds', () => {
    expect(parseTimestamp('1795729756567073')).toEqual({ ok: true, value: 1795729756567073n });
  });

  it('reads a 13-digit string as milliseconds', () => {
    expect(parseTimestamp('1795729756567')).toEqual({ ok: true, value: 1795729756567000n });
  });

  it('reads an integer as milliseconds', () => {
    expect(parseTimestamp(1795729756567)).toEqual({ ok: true, value: 1795729756567000n });
    expect(parseTimestamp(0)).toEqual({ ok: true, value: 0n });
  });

  it.each([
    ['a 10-digit string (seconds)', '1795729756'],
    ['a decimal string', '1795729756567.5'],
    ['a 15-digit string', '179572975656707'],
    ['a negative string', '-1795729756567'],
    ['an ISO date', '2026-11-26T00:00:00Z'],
    ['an empty string', ''],
    ['a fractional number', 1795729756567.5],
    ['a negative integer', -1],
    ['an integer too large to be milliseconds (µs as a number)', 1795729756567073],
    ['NaN', Number.NaN],
    ['null', null],
    ['nothing', undefined],
    ['an object', { ts: 1 }],
    ['a bigint', 1795729756567073n],
  ])('refuses %s, saying what would be accepted', (_, value) => {
    const parsed = parseTimestamp(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/16-digit string.*13-digit string.*integer/);
  });
});

describe('toMicroTimestamp', () => {
  it('writes a Date as microseconds', () => {
    expect(toMicroTimestamp(new Date(1795729756567))).toBe('1795729756567000');
  });

  it('writes a bigint of microseconds as is', () => {
    expect(toMicroTimestamp(1795729756567073n)).toBe('1795729756567073');
  });

  it('round-trips through parseTimestamp and microsToDate', () => {
    const date = new Date('2026-11-26T23:52:45.123Z');
    const parsed = parseTimestamp(toMicroTimestamp(date));
    expect(parsed.ok && microsToDate(parsed.value)).toEqual(date);
  });

  it('refuses invalid dates and negative values', () => {
    expect(() => toMicroTimestamp(new Date('nope'))).toThrow(RangeError);
    expect(() => toMicroTimestamp(-1n)).toThrow(RangeError);
  });
});
