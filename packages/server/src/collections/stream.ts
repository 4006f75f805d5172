// GET /collections/:name — the items of a collection as one JSON document,
// `{"items": [{key, value, created, updated}, …], "cursor": "…" | null}`, written as it is read:
// the items are read in id order, CHUNK_SIZE rows per query (keyset pagination, no transaction
// held open), and each chunk is handed to the response only when the client has taken the last
// (the Readable's backpressure), so a million items never sit in the server's memory.
// `cursor` is set when `limit` items were sent and more match: pass it back to continue.
import { Readable } from 'node:stream';
import { type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import { HttpError } from '../http/errors.js';
import { isoUsec, likePattern } from './items.js';
import type { Collection } from './store.js';

/** Items in one response when the client names no `limit`, as Lightning's default. */
export const DEFAULT_STREAM_LIMIT = 1000;
/** Rows read per query. */
const CHUNK_SIZE = 500;

const QUERY_PARAMS = [
  'key',
  'cursor',
  'limit',
  'created_after',
  'created_before',
  'updated_after',
  'updated_before',
] as const;

export interface StreamQuery {
  key: string | null;
  cursor: number;
  limit: number;
  filters: SQL[];
}

/** Lightning answers a bad stream query with 400. */
function badParam(name: string, problem: string): HttpError {
  return new HttpError(400, `${name} ${problem}`, { errors: { [name]: [problem] } });
}

/** Parses and checks the query string; unknown parameters are refused, as Lightning does. */
export function parseStreamQuery(query: Record<string, unknown>): StreamQuery {
  for (const name of Object.keys(query)) {
    if (!(QUERY_PARAMS as readonly string[]).includes(name)) {
      throw badParam(name, `is not a known parameter (known: ${QUERY_PARAMS.join(', ')})`);
    }
  }
  const one = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw badParam(name, 'must be given once');
    return value;
  };
  const limitText = one('limit');
  const limit = limitText === undefined ? DEFAULT_STREAM_LIMIT : Number(limitText);
  if (!/^\d+$/.test(limitText ?? '1') || !Number.isSafeInteger(limit) || limit < 1) {
    throw badParam('limit', `must be a positive integer (got "${limitText}")`);
  }
  const cursorText = one('cursor');
  let cursor = 0;
  if (cursorText !== undefined && cursorText !== '') {
    const decoded = Buffer.from(cursorText, 'base64url').toString();
    if (!/^\d{1,18}$/.test(decoded)) throw badParam('cursor', 'is not a cursor this server gave');
    cursor = Number(decoded);
  }
  const filters: SQL[] = [];
  const time = (name: string, column: string, op: '>=' | '<') => {
    const text = one(name);
    if (text === undefined) return;
    if (Number.isNaN(Date.parse(text))) {
      throw badParam(name, `must be an ISO 8601 date-time (got "${text}")`);
    }
    filters.push(
      sql`${sql.raw(column)} ${sql.raw(op)} ${new Date(text).toISOString()}::timestamptz`,
    );
  };
  time('created_after', 'inserted_at', '>=');
  time('created_before', 'inserted_at', '<');
  time('updated_after', 'updated_at', '>=');
  time('updated_before', 'updated_at', '<');
  const key = one('key');
  return { key: key === undefined || key === '' ? null : key, cursor, limit, filters };
}

export function encodeCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

interface Row extends Record<string, unknown> {
  id: string;
  key: string;
  value: string;
  created: string;
  updated: string;
}

/** The response body as a stream of JSON text. */
export function streamItems(db: Database, collection: Collection, query: StreamQuery): Readable {
  return Readable.from(generateItems(db, collection, query), { objectMode: false });
}

async function* generateItems(
  db: Database,
  collection: Collection,
  query: StreamQuery,
): AsyncGenerator<string> {
  const conditions: SQL[] = [sql`collection_id = ${collection.id}`, ...query.filters];
  if (query.key !== null && query.key !== '*') {
    conditions.push(sql`key LIKE ${likePattern(query.key)}`);
  }
  const where = sql.join(conditions, sql` AND `);
  yield '{"items":[';
  let after = query.cursor;
  let sent = 0;
  let nextCursor: string | null = null;
  while (sent < query.limit) {
    // One row more than this chunk needs: when the limit is reached, it tells whether more
    // items match (and a cursor is needed).
    const want = Math.min(CHUNK_SIZE, query.limit - sent) + 1;
    const rows = await queryRows<Row>(
      db,
      sql`SELECT id, key, value, ${isoUsec('inserted_at')} AS created, ${isoUsec('updated_at')} AS updated
          FROM collections_items
          WHERE ${where} AND id > ${after}
          ORDER BY id LIMIT ${want}`,
    );
    const taken = rows.slice(0, query.limit - sent);
    if (taken.length > 0) {
      const text = taken
        .map((row) =>
          JSON.stringify({
            key: row.key,
            value: row.value,
            created: row.created,
            updated: row.updated,
          }),
        )
        .join(',');
      yield sent === 0 ? text : `,${text}`;
      sent += taken.length;
      after = Number(taken[taken.length - 1]!.id);
    }
    if (rows.length > taken.length) {
      nextCursor = encodeCursor(after);
      break;
    }
    if (rows.length < want) break;
  }
  yield `],"cursor":${JSON.stringify(nextCursor)}}`;
}
