// Data retention: expired work orders are deleted with their runs, steps and log lines, expired
// dataclip bodies are wiped, and nothing younger than the project's periods is touched.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { type Database, queryRows, schema } from '../db/index.js';
import { createLogger } from '../logger.js';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseUrl,
} from '../test-support/database.js';
import { applyRetention, startRetentionCleaner } from './retention.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from './test-fixtures.js';

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(() => database?.close());

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/** A finished work order whose last activity (and dataclip) is `age` days old, with a step and a log line. */
async function oldWorkOrder(fixture: WorkflowFixture, age: number, state = 'success') {
  const created = await enqueueRun(db, fixture);
  const stepId = randomUUID();
  await db.insert(schema.steps).values({
    id: stepId,
    jobId: fixture.jobIds[0],
    inputDataclipId: created.dataclipId,
    exitReason: 'success',
  });
  await db.insert(schema.runSteps).values({ runId: created.runId, stepId });
  await db
    .insert(schema.logLines)
    .values({ runId: created.runId, stepId, message: 'hello', timestamp: daysAgo(age) });
  await db.execute(sql`UPDATE runs SET state = ${state === 'pending' ? 'available' : state}
                       WHERE id = ${created.runId}`);
  await db.execute(sql`UPDATE work_orders SET state = ${state}, last_activity = ${daysAgo(age)},
                         inserted_at = ${daysAgo(age)} WHERE id = ${created.workOrderId}`);
  await db.execute(sql`UPDATE dataclips SET inserted_at = ${daysAgo(age)}
                       WHERE id = ${created.dataclipId}`);
  return { ...created, stepId };
}

const exists = async (table: string, id: string) =>
  (await queryRows(db, sql`SELECT 1 FROM ${sql.identifier(table)} WHERE id = ${id}`)).length > 0;

describe('applyRetention', () => {
  it('deletes only work orders past the history period, with their runs, steps and logs', async () => {
    const fixture = await createWorkflowFixture(db);
    await db.execute(sql`UPDATE projects SET history_retention_period = 30
                         WHERE id = ${fixture.projectId}`);
    const otherProject = await createWorkflowFixture(db);
    const expired = await oldWorkOrder(fixture, 40);
    const expiredToo = await oldWorkOrder(fixture, 31, 'failed');
    const young = await oldWorkOrder(fixture, 20);
    // Still waiting for a worker: kept whatever its age.
    const pending = await oldWorkOrder(fixture, 40, 'pending');
    // No retention period on that project.
    const unlimited = await oldWorkOrder(otherProject, 400);

    const sweep = await applyRetention(db, { batchSize: 1 });
    expect(sweep).toMatchObject({ swept: true, deletedWorkOrders: 2 });
    for (const gone of [expired, expiredToo]) {
      expect(await exists('work_orders', gone.workOrderId)).toBe(false);
      expect(await exists('runs', gone.runId)).toBe(false);
      expect(await exists('steps', gone.stepId)).toBe(false);
      expect(await db.$count(schema.logLines, sql`run_id = ${gone.runId}`)).toBe(0);
    }
    for (const kept of [young, pending, unlimited]) {
      expect(await exists('work_orders', kept.workOrderId)).toBe(true);
      expect(await exists('steps', kept.stepId)).toBe(true);
      expect(await db.$count(schema.logLines, sql`run_id = ${kept.runId}`)).toBe(1);
    }
    expect((await applyRetention(db)).deletedWorkOrders).toBe(0);
  });

  it('wipes dataclip bodies past the dataclip period and keeps the rows', async () => {
    const fixture = await createWorkflowFixture(db);
    await db.execute(sql`UPDATE projects SET dataclip_retention_period = 7
                         WHERE id = ${fixture.projectId}`);
    const old = await oldWorkOrder(fixture, 8);
    const young = await oldWorkOrder(fixture, 6);
    const sweep = await applyRetention(db, { batchSize: 1 });
    expect(sweep.wipedDataclips).toBe(1);
    const rows = await queryRows<{ id: string; body: unknown; request: unknown; wiped: boolean }>(
      db,
      sql`SELECT id, body, request, wiped_at IS NOT NULL AS wiped FROM dataclips
          WHERE id IN (${old.dataclipId}, ${young.dataclipId})`,
    );
    expect(rows.find((row) => row.id === old.dataclipId)).toMatchObject({
      body: null,
      request: null,
      wiped: true,
    });
    expect(rows.find((row) => row.id === young.dataclipId)).toMatchObject({
      body: { n: 1 },
      wiped: false,
    });
    // The work order is still there (its history period is unset), and it says why it cannot be retried.
    expect(await exists('work_orders', old.workOrderId)).toBe(true);
    expect((await applyRetention(db)).wipedDataclips).toBe(0);
  });

  it.runIf(testDatabaseUrl())(
    'leaves the round to the node holding the lock (PostgreSQL)',
    async () => {
      const fixture = await createWorkflowFixture(db);
      await db.execute(sql`UPDATE projects SET history_retention_period = 1
                           WHERE id = ${fixture.projectId}`);
      const expired = await oldWorkOrder(fixture, 2);
      // Another node, mid-round: its own connection holds the lock.
      const otherNode = new pg.Client({ connectionString: database.url });
      await otherNode.connect();
      await otherNode.query('SELECT pg_advisory_lock(7420313)');
      try {
        expect(await applyRetention(db)).toMatchObject({ swept: false, deletedWorkOrders: 0 });
        expect(await exists('work_orders', expired.workOrderId)).toBe(true);
      } finally {
        await otherNode.end();
      }
      expect(await applyRetention(db)).toMatchObject({ swept: true, deletedWorkOrders: 1 });
    },
  );

  it('runs periodically once started, and stops', async () => {
    const fixture = await createWorkflowFixture(db);
    await db.execute(sql`UPDATE projects SET history_retention_period = 1
                         WHERE id = ${fixture.projectId}`);
    const expired = await oldWorkOrder(fixture, 2);
    const cleaner = startRetentionCleaner({
      db,
      logger: createLogger('silent'),
      initialDelayMs: 1,
      intervalMs: 10,
    });
    await vi.waitFor(
      async () => expect(await exists('work_orders', expired.workOrderId)).toBe(false),
      { timeout: 120_000 },
    );
    await cleaner.stop();
  });
});
