import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../db/index.js';
import { createTestUser } from '../test-support/actors.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { FILTERED, listAuditEvents, recordAuditEvent } from './index.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('the audit trail', () => {
  it('is written with the change inside its transaction, and not at all when that rolls back', async () => {
    const { db } = database;
    const itemId = randomUUID();
    await expect(
      db.transaction(async (tx) => {
        await recordAuditEvent(tx, { event: 'created', itemType: 'credential', itemId });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const rows = await db
      .select()
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.itemId, itemId));
    expect(rows).toEqual([]);
  });

  it('never stores a secret-looking value, at any depth', async () => {
    const { db } = database;
    const itemId = randomUUID();
    await recordAuditEvent(db, {
      event: 'updated',
      itemType: 'credential',
      itemId,
      changes: {
        before: { name: 'old', body: { password: 'hunter2' } },
        after: { name: 'new', body: { password: 'hunter3' }, apiKey: 'k', token_id: 'abc' },
        hashed_password: 'x',
        list: [{ access_token: 'y', role: 'editor' }],
      },
    });
    const [row] = await db
      .select()
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.itemId, itemId));
    expect(row!.changes).toEqual({
      before: { name: 'old', body: FILTERED },
      after: { name: 'new', body: FILTERED, apiKey: FILTERED, token_id: 'abc' },
      hashed_password: FILTERED,
      list: [{ access_token: FILTERED, role: 'editor' }],
    });
    expect(row!.actorType).toBe('system');
    expect(JSON.stringify(row)).not.toMatch(/hunter/);
  });

  it('lists newest first in cursor pages, per project or instance-wide, with the actor email', async () => {
    const { db } = database;
    const actor = await createTestUser(db);
    const projectId = randomUUID();
    for (let n = 1; n <= 5; n++) {
      await recordAuditEvent(db, {
        event: `event_${n}`,
        itemType: 'project',
        itemId: projectId,
        projectId,
        actorId: actor.id,
      });
    }
    await recordAuditEvent(db, { event: 'elsewhere', itemType: 'user', itemId: actor.id });

    const first = await listAuditEvents(db, { scope: { projectId }, limit: 2 });
    expect(first.data.map((e) => e.event)).toEqual(['event_5', 'event_4']);
    expect(first.data[0]).toMatchObject({ actorEmail: actor.email, actorType: 'user', projectId });
    const second = await listAuditEvents(db, {
      scope: { projectId },
      limit: 2,
      cursor: first.meta.next_cursor!,
    });
    expect(second.data.map((e) => e.event)).toEqual(['event_3', 'event_2']);
    const third = await listAuditEvents(db, {
      scope: { projectId },
      limit: 2,
      cursor: second.meta.next_cursor!,
    });
    expect(third.data.map((e) => e.event)).toEqual(['event_1']);
    expect(third.meta.next_cursor).toBeNull();

    const all = await listAuditEvents(db, { scope: 'all', limit: 1 });
    expect(all.data.map((e) => e.event)).toEqual(['elsewhere']);
    await expect(listAuditEvents(db, { scope: 'all', cursor: 'nonsense' })).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});
