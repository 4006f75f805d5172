// Keyset pagination for list endpoints: `?page_size=n&cursor=…`. The cursor is opaque to clients
// (base64url of the last row's sort key: inserted_at and id), so a page is an index range scan
// however deep it is, and rows inserted meanwhile never shift a page.
import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface PageRequest {
  pageSize: number;
  after?: { insertedAt: string; id: string };
}

export interface Page<T> {
  data: T[];
  meta: { page_size: number; next_cursor: string | null };
}

const querySchema = z.object({
  page_size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: z.string().optional(),
});

/** Reads `page_size` and `cursor` from a query string; 400 naming the field when malformed. */
export function parsePageRequest(query: unknown): PageRequest {
  const parsed = querySchema.safeParse(query ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'Invalid pagination', {
      errors: { page_size: [`must be an integer from 1 to ${MAX_PAGE_SIZE}`] },
    });
  }
  const pageSize = parsed.data.page_size ?? DEFAULT_PAGE_SIZE;
  if (!parsed.data.cursor) return { pageSize };
  try {
    const [insertedAt, id] = JSON.parse(
      Buffer.from(parsed.data.cursor, 'base64url').toString('utf8'),
    ) as [unknown, unknown];
    if (
      typeof insertedAt !== 'string' ||
      typeof id !== 'string' ||
      Number.isNaN(Date.parse(insertedAt))
    )
      throw new Error('bad cursor');
    return { pageSize, after: { insertedAt, id } };
  } catch {
    throw new HttpError(400, 'Invalid pagination', {
      errors: { cursor: ['is not a cursor this server returned'] },
    });
  }
}

/** `(inserted_at, id) > cursor`, for the WHERE clause; undefined on the first page. */
export function afterCursor(
  insertedAt: PgColumn,
  id: PgColumn,
  request: PageRequest,
): SQL | undefined {
  if (!request.after) return undefined;
  return sql`(${insertedAt}, ${id}) > (${request.after.insertedAt}::timestamptz, ${request.after.id}::uuid)`;
}

/** Cuts one extra row fetched to learn whether a next page exists, and makes its cursor. */
export function toPage<T>(
  rows: T[],
  request: PageRequest,
  key: (row: T) => { insertedAt: string; id: string },
): Page<T> {
  const data = rows.slice(0, request.pageSize);
  const last = data.at(-1);
  const next =
    rows.length > request.pageSize && last
      ? Buffer.from(JSON.stringify([key(last).insertedAt, key(last).id])).toString('base64url')
      : null;
  return { data, meta: { page_size: request.pageSize, next_cursor: next } };
}
