// Finds timestamps in an API answer that are not ISO 8601: every string under a timestamp-named
// key (`inserted_at`, `timestamp`, `last_activity`, …), and any string anywhere that starts the way
// PostgreSQL writes one (`2026-12-05 07:31:06.367+00`), which is how a raw database value leaks.

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const TIMESTAMP_KEY = /(_at|^timestamp|_activity|deletion|_until|_date|^date|^since|^until)$/i;
const POSTGRES_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/;

/** Paths (`data[0].inserted_at = "…"`) of the timestamps in `value` that are not ISO 8601. */
export function nonIsoTimestamps(value: unknown, path = ''): string[] {
  if (typeof value === 'string') {
    const key = path.replace(/^.*[.\]]/, '').replace(/^.*\./, '');
    const named = TIMESTAMP_KEY.test(key) && /^\d{4}-/.test(value);
    return (named || POSTGRES_TEXT.test(value)) && !ISO_8601.test(value)
      ? [`${path} = ${JSON.stringify(value)}`]
      : [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, i) => nonIsoTimestamps(item, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      nonIsoTimestamps(item, path ? `${path}.${key}` : key),
    );
  }
  return [];
}
