// Microsecond timestamps as strings (worker-protocol §4). Date.now() only has milliseconds,
// so the sub-millisecond part comes from the monotonic high-resolution clock. Each value is
// strictly greater than the previous one, so events and logs sort in the order they happened.

const originMicros = BigInt(Date.now()) * 1000n;
const originHr = process.hrtime.bigint();
let last = 0n;

export function microTimestamp(): string {
  let now = originMicros + (process.hrtime.bigint() - originHr) / 1000n;
  if (now <= last) now = last + 1n;
  last = now;
  return now.toString();
}
