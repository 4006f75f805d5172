// Reading and writing the items of one collection. Every write keeps `collections.byte_size_sum`
// exact in the same transaction (the sum of octet_length(key) + octet_length(value) of the
// items), so the size limits are checked against one number rather than by adding up items.
//
// Writes lock the collection's row first (or every collection row of the project, when a project
// limit is set): two writers of the same collection then take turns, and the second reads the
// sizes the first left, which the byte accounting needs (a statement's CTEs all read one snapshot).
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import { PayloadTooLargeError, ValidationError } from '../http/errors.js';
import type { Collection } from './store.js';

export interface CollectionLimits {
  /** COLLECTIONS_MAX_ITEM_BYTES */
  itemMaxBytes: number;
  /** COLLECTIONS_MAX_PROJECT_BYTES; 0 = no limit. */
  projectMaxBytes: number;
}

export interface ItemJson {
  key: string;
  value: string;
  created: string;
  updated: string;
}

export interface ItemInput {
  key: string;
  value: string;
}

/** ISO 8601 with microseconds and `Z`, as Lightning's JSON encodes its timestamps. */
export const isoUsec = (column: string) =>
  sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** A key pattern as SQL LIKE: `*` matches any run of characters; `%`, `_` and `\` are literal. */
export function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

export async function getItem(
  db: Database,
  collection: Collection,
  key: string,
): Promise<ItemJson | null> {
  const [row] = await queryRows<Record<string, string>>(
    db,
    sql`SELECT key, value, ${isoUsec('inserted_at')} AS created, ${isoUsec('updated_at')} AS updated
        FROM collections_items WHERE collection_id = ${collection.id} AND key = ${key}`,
  );
  return row
    ? { key: row.key!, value: row.value!, created: row.created!, updated: row.updated! }
    : null;
}

/** Checks the shape and size of items before anything is written. */
export function checkItems(items: unknown, limits: CollectionLimits): ItemInput[] {
  if (!Array.isArray(items)) {
    throw new ValidationError('items must be an array of {key, value}', {
      items: ['must be an array of {key, value}'],
    });
  }
  for (const [index, item] of items.entries()) {
    checkItem(item, `items[${index}]`, limits);
  }
  return items as ItemInput[];
}

export function checkItem(item: unknown, path: string, limits: CollectionLimits): ItemInput {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new ValidationError(`${path} must be an object {key, value}`, {
      [path]: ['must be an object {key, value}'],
    });
  }
  const { key, value } = item as Record<string, unknown>;
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError(`${path}.key must be a non-empty string`, {
      [`${path}.key`]: ['must be a non-empty string'],
    });
  }
  if (typeof value !== 'string') {
    throw new ValidationError(`${path}.value must be a string (JSON text)`, {
      [`${path}.value`]: ['must be a string (JSON text)'],
    });
  }
  const size = Buffer.byteLength(key) + Buffer.byteLength(value);
  if (size > limits.itemMaxBytes) {
    throw new PayloadTooLargeError(
      `Item "${key.slice(0, 100)}" is ${size} bytes, over COLLECTIONS_MAX_ITEM_BYTES (${limits.itemMaxBytes})`,
    );
  }
  return { key, value };
}

/**
 * Upserts items (the last of duplicate keys wins) and returns how many were written. Refused
 * with 422, writing nothing, when the project's items would pass COLLECTIONS_MAX_PROJECT_BYTES.
 */
export async function putItems(
  db: Database,
  collection: Collection,
  items: ItemInput[],
  limits: CollectionLimits,
): Promise<number> {
  if (items.length === 0) return 0;
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Database;
    await lockForWrite(txDb, collection, limits);
    // New items get ids (the stream order) in the order they were sent.
    // One statement: the old sizes of the keys written, the upsert, and the size update all read
    // one snapshot, so `old` sees the values before this statement replaced them.
    const [row] = await queryRows<{ upserted: string }>(
      txDb,
      sql`WITH incoming AS (
            SELECT DISTINCT ON (e->>'key') e->>'key' AS key, e->>'value' AS value, ord
            FROM json_array_elements(${JSON.stringify(items)}::json) WITH ORDINALITY AS t(e, ord)
            ORDER BY e->>'key', ord DESC
          ),
          old AS (
            SELECT octet_length(i.key) + octet_length(i.value) AS size
            FROM collections_items i JOIN incoming n ON n.key = i.key
            WHERE i.collection_id = ${collection.id}
          ),
          written AS (
            INSERT INTO collections_items (collection_id, key, value)
            SELECT ${collection.id}::uuid, key, value FROM incoming ORDER BY ord
            ON CONFLICT (collection_id, key)
              DO UPDATE SET value = excluded.value, updated_at = now()
            RETURNING octet_length(key) + octet_length(value) AS size
          )
          UPDATE collections
          SET byte_size_sum = byte_size_sum
            + (SELECT coalesce(sum(size), 0) FROM written)
            - (SELECT coalesce(sum(size), 0) FROM old)
          WHERE id = ${collection.id}
          RETURNING (SELECT count(*) FROM written) AS upserted`,
    );
    await checkProjectTotal(txDb, collection, limits);
    return Number(row?.upserted ?? 0);
  });
}

/** Deletes one key; true when it existed. */
export async function deleteItem(
  db: Database,
  collection: Collection,
  key: string,
): Promise<boolean> {
  return (await deleteWhere(db, collection, sql`key = ${key}`)) > 0;
}

/** Deletes the items whose key matches `pattern` (every item when null); returns how many. */
export async function deleteMatching(
  db: Database,
  collection: Collection,
  pattern: string | null,
): Promise<number> {
  return deleteWhere(
    db,
    collection,
    pattern === null ? sql`true` : sql`key LIKE ${likePattern(pattern)}`,
  );
}

async function deleteWhere(
  db: Database,
  collection: Collection,
  condition: ReturnType<typeof sql>,
): Promise<number> {
  const [row] = await queryRows<{ deleted: string }>(
    db,
    sql`WITH gone AS (
          DELETE FROM collections_items
          WHERE collection_id = ${collection.id} AND ${condition}
          RETURNING octet_length(key) + octet_length(value) AS size
        )
        UPDATE collections
        SET byte_size_sum = byte_size_sum - (SELECT coalesce(sum(size), 0) FROM gone)
        WHERE id = ${collection.id}
        RETURNING (SELECT count(*) FROM gone) AS deleted`,
  );
  return Number(row?.deleted ?? 0);
}

async function lockForWrite(db: Database, collection: Collection, limits: CollectionLimits) {
  if (limits.projectMaxBytes > 0) {
    // The project total is checked after the write: writers to any of its collections take turns.
    await db.execute(
      sql`SELECT id FROM collections WHERE project_id = ${collection.projectId} ORDER BY id FOR UPDATE`,
    );
  } else {
    await db.execute(sql`SELECT id FROM collections WHERE id = ${collection.id} FOR UPDATE`);
  }
}

async function checkProjectTotal(db: Database, collection: Collection, limits: CollectionLimits) {
  if (limits.projectMaxBytes <= 0) return;
  const [row] = await queryRows<{ total: string | null }>(
    db,
    sql`SELECT sum(byte_size_sum) AS total FROM collections WHERE project_id = ${collection.projectId}`,
  );
  const total = Number(row?.total ?? 0);
  if (total > limits.projectMaxBytes) {
    throw new ValidationError(
      `The project's collections would hold ${total} bytes, over COLLECTIONS_MAX_PROJECT_BYTES (${limits.projectMaxBytes}); nothing was written`,
      { items: [`over COLLECTIONS_MAX_PROJECT_BYTES (${limits.projectMaxBytes})`] },
    );
  }
}
