// Timestamps on the wire are strings of microseconds since the epoch. Workers in the wild also
// send milliseconds (13-digit strings, or integers), as Lightning's `UnixDateTime` accepts, so
// everything received goes through `parseTimestamp`, which always yields microseconds.

import { fail, ok, type Result } from './result.js';

/** Microseconds since the epoch as a decimal string, e.g. `"1795729756567073"`. */
export type MicroTimestamp = string;

const MICROS_DIGITS = /^\d{16}$/;
const MILLIS_DIGITS = /^\d{13}$/;

/** Year 9999 in ms: beyond it an integer is certainly not milliseconds (µs sent as a number?). */
const MAX_MILLIS = 253_402_300_799_999;

/**
 * Reads a timestamp in any of the three accepted forms into microseconds since the epoch.
 *
 * @example
 * parseTimestamp('1795729756567073') // { ok: true, value: 1795729756567073n }  (µs string)
 * parseTimestamp('1795729756567')    // { ok: true, value: 1795729756567000n }  (ms string)
 * parseTimestamp(1795729756567)      // { ok: true, value: 1795729756567000n }  (ms integer)
 */
export function parseTimestamp(value: unknown): Result<bigint, string> {
  if (typeof value === 'string') {
    if (MICROS_DIGITS.test(value)) return ok(BigInt(value));
    if (MILLIS_DIGITS.test(value)) return ok(BigInt(value) * 1000n);
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0 && value <= MAX_MILLIS) {
      return ok(BigInt(value) * 1000n);
    }
  }
  return fail(
    `must be microseconds as a 16-digit string, milliseconds as a 13-digit string or an integer of milliseconds (got ${describe(value)})`,
  );
}

/**
 * The wire form of a moment: a `Date` (millisecond precision) or a bigint of microseconds.
 *
 * @example
 * toMicroTimestamp(new Date(1795729756567)) // '1795729756567000'
 * toMicroTimestamp(1795729756567073n)       // '1795729756567073'
 */
export function toMicroTimestamp(moment: Date | bigint): MicroTimestamp {
  if (typeof moment === 'bigint') {
    if (moment < 0n) throw new RangeError(`timestamp must not be negative (got ${moment})`);
    return moment.toString();
  }
  const ms = moment.getTime();
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`timestamp must be a valid date after 1970 (got ${String(moment)})`);
  }
  return (BigInt(ms) * 1000n).toString();
}

/** Microseconds → `Date` (sub-millisecond digits are dropped, as `Date` cannot hold them). */
export function microsToDate(micros: bigint): Date {
  return new Date(Number(micros / 1000n));
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}
