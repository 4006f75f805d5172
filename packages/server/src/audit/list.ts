// Reads the audit trail newest first, a page at a time, for one project or the whole instance.
// Pages are keyset pages over (inserted_at, id) — the indexes audit_events_inserted_at_id_index and
// audit_events_project_id_inserted_at_id_index — so a deep page costs what the first one does.
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { HttpError } from '../http/errors.js';

export const DEFAULT_AUDIT_PAGE_SIZE = 50;
export const MAX_AUDIT_PAGE_SIZE = 200;

export interface AuditEvent {
  id: string;
  event: string;
  itemType: string;
  itemId: string;
  actorId: string | null;
  actorType: string | null;
  /** The actor's current email, null for the system or a deleted user. */
  actorEmail: string | null;
  projectId: string | null;
  changes: Record<string, unknown>;
  insertedAt: string;
}

export interface ListAuditEventsOptions {
  /** A project's trail, or `'all'` for the whole instance (superusers). */
  scope: { projectId: string } | 'all';
  /** The `next_cursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface AuditPage {
  data: AuditEvent[];
  meta: { page_size: number; next_cursor: string | null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeCursor(insertedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([insertedAt, id])).toString('base64url');
}

/** 400 at `cursor` when the text is not a cursor this server made. */
function decodeCursor(value: string): { insertedAt: string; id: string } {
  try {
    const [insertedAt, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      typeof insertedAt === 'string' &&
      !Number.isNaN(Date.parse(insertedAt)) &&
      typeof id === 'string' &&
      UUID.test(id)
    ) {
      return { insertedAt, id };
    }
  } catch {
    // answered below
  }
  throw new HttpError(400, 'Invalid pagination', {
    errors: { cursor: ['is not a cursor this server returned'] },
  });
}

export async function listAuditEvents(
  db: Database,
  options: ListAuditEventsOptions,
): Promise<AuditPage> {
  const limit = Math.min(
    Math.max(options.limit ?? DEFAULT_AUDIT_PAGE_SIZE, 1),
    MAX_AUDIT_PAGE_SIZE,
  );
  const events = schema.auditEvents;
  const conditions: SQL[] = [];
  if (options.scope !== 'all') conditions.push(eq(events.projectId, options.scope.projectId));
  if (options.cursor) {
    const after = decodeCursor(options.cursor);
    conditions.push(
      sql`(${events.insertedAt}, ${events.id}) < (${after.insertedAt}::timestamptz, ${after.id}::uuid)`,
    );
  }
  const rows = await db
    .select({
      id: events.id,
      event: events.event,
      itemType: events.itemType,
      itemId: events.itemId,
      actorId: events.actorId,
      actorType: events.actorType,
      actorEmail: schema.users.email,
      projectId: events.projectId,
      changes: events.changes,
      // Text with microseconds, so the cursor compares exactly.
      insertedAt: sql<string>`to_char(${events.insertedAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(events)
    .leftJoin(schema.users, eq(schema.users.id, events.actorId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(events.insertedAt), desc(events.id))
    .limit(limit + 1);
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data,
    meta: {
      page_size: limit,
      next_cursor: rows.length > limit && last ? encodeCursor(last.insertedAt, last.id) : null,
    },
  };
}

/** The JSON shape of the API (snake_case). */
export function auditEventJson(event: AuditEvent) {
  return {
    id: event.id,
    event: event.event,
    item_type: event.itemType,
    item_id: event.itemId,
    actor_id: event.actorId,
    actor_type: event.actorType,
    actor_email: event.actorEmail,
    project_id: event.projectId,
    changes: event.changes,
    inserted_at: event.insertedAt,
  };
}
