// Keyset cursors for the history lists (work orders, log lines): the last row's sort key, a
// timestamp with its microseconds and an id, as base64url JSON. Opaque to clients; a page is an
// index range scan however deep it is, and rows written meanwhile never shift a page.
import { sql } from 'drizzle-orm';
import { HttpError } from '../http/errors.js';

export interface Cursor {
  /** ISO text with microseconds (a JS Date would drop the last three digits). */
  at: string;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  data: T[];
  meta: { page_size: number; next_cursor: string | null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** The cursor a client sent back; 400 at `cursor` when it is not one this server made. */
export function decodeCursor(value: string): Cursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && UUID.test(id) && isTimestamp(at)) {
      return { at, id };
    }
  } catch {
    // fall through to the 400 below
  }
  throw new HttpError(400, 'Invalid query parameters', {
    errors: { cursor: ['is not a cursor this server returned'] },
  });
}

export const isTimestamp = (value: string) =>
  /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value));

/** Cuts the one extra row fetched to learn whether a next page exists, and makes its cursor. */
export function toPage<T>(rows: T[], pageSize: number, key: (row: T) => Cursor): Page<T> {
  const data = rows.slice(0, pageSize);
  const last = data.at(-1);
  const next = rows.length > pageSize && last ? encodeCursor(key(last)) : null;
  return { data, meta: { page_size: pageSize, next_cursor: next } };
}

/** A timestamp column as ISO 8601 text in UTC with microseconds, e.g. `2026-11-27T01:02:03.123456Z`. */
export const isoTime = (column: string) =>
  sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
