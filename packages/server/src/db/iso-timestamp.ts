// PostgreSQL writes a `timestamptz` as `2026-12-05 07:31:06.367+00` (its ISO DateStyle: a space,
// trailing zeros of the fraction dropped, an hour-only offset), and both drivers hand that text
// through untouched (Drizzle keeps timestamps as text so the microseconds survive). The API answers
// ISO 8601 as Lightning does — `2026-12-05T07:31:06.367000Z`, UTC, six fractional digits — so the
// text is rewritten here, once, as it is read (the `usec` columns of schema.ts).

const PG_TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

/**
 * `2026-12-05 07:31:06.367+00` → `2026-12-05T07:31:06.367000Z`; `…+05:30` is converted to UTC.
 * Text that is no timestamp PostgreSQL writes (`infinity`, BC dates) is returned as it is.
 */
export function toIsoTimestamp(text: string): string {
  const match = PG_TIMESTAMP.exec(text);
  if (!match) return text;
  const [, year, month, day, hour, minute, second, fraction = '', , sign, oh, om, os] = match;
  const offsetSeconds =
    sign === undefined
      ? 0
      : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  const utc =
    Date.UTC(
      Number(year),
      Number(month) - 1,
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
    ) -
    offsetSeconds * 1000;
  const date = new Date(utc);
  if (Number.isNaN(date.getTime())) return text;
  return `${date.toISOString().slice(0, 19)}.${fraction.padEnd(6, '0')}Z`;
}
