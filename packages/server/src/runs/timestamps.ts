// Worker timestamps are microseconds since the epoch (the protocol normalises every accepted form
// to a µs string). The database keeps microseconds, so they are written as ISO text with six
// fractional digits: a JS Date would drop the last three.
import type { MicroTimestamp } from '@lightning/protocol';

/** `"1795729756567073"` → `"2026-11-26T…:16.567073Z"`. */
export function microsToIso(micros: MicroTimestamp | bigint): string {
  const value = BigInt(micros);
  const seconds = value / 1_000_000n;
  const fraction = (value % 1_000_000n).toString().padStart(6, '0');
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction}Z`;
}

/** The payload's timestamp as ISO text, or now when the worker sent none (as Lightning does). */
export function eventTime(micros: MicroTimestamp | undefined): string {
  return micros ? microsToIso(micros) : new Date().toISOString();
}
