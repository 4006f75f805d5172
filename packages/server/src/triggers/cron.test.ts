import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBus } from '../cluster/index.js';
import { loadConfig } from '../config/index.js';
import { type DatabaseHandle, openDatabase, queryRows } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createWorkOrder } from '../runs/index.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { createWorkflow, provisionProject, updateWorkflow } from '../workflows/index.js';
import { createCronScheduler, latestDueTime } from './cron.js';

let database: TestDatabase;
const logger = createLogger('silent');

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const scheduler = (handle: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'> = database) =>
  createCronScheduler({ database: handle, bus: createLocalBus(), logger, createWorkOrder });

/** A workflow with an enabled cron trigger → job; returns ids and the next whole minute. */
async function cronWorkflow(expression = '* * * * *') {
  const projectId = randomUUID();
  await provisionProject(database.db, { id: projectId, name: `p-${projectId.slice(0, 8)}` });
  const triggerId = randomUUID();
  const jobId = randomUUID();
  const workflow = await createWorkflow(database.db, projectId, {
    name: 'nightly',
    jobs: [{ id: jobId, name: 'sync', body: 'fn(s => s)' }],
    triggers: [{ id: triggerId, type: 'cron', enabled: true, cron_expression: expression }],
    edges: [{ source_trigger_id: triggerId, target_job_id: jobId, condition_type: 'always' }],
  });
  const nextMinute = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
  return { projectId, triggerId, jobId, workflow, nextMinute };
}

const minutes = (date: Date, n: number) => new Date(date.getTime() + n * 60_000);

async function workOrdersOf(triggerId: string) {
  return queryRows<{ id: string; dataclip_id: string; type: string; body: unknown }>(
    database.db,
    sql`SELECT w.id, w.dataclip_id, d.type, d.body FROM work_orders w
        JOIN dataclips d ON d.id = w.dataclip_id
        WHERE w.trigger_id = ${triggerId} ORDER BY w.inserted_at`,
  );
}

describe('cron schedule arithmetic', () => {
  it('finds the latest scheduled time at or before now', () => {
    const at = (iso: string) => new Date(iso);
    expect(latestDueTime('*/5 * * * *', at('2026-01-01T00:05:00Z'))).toEqual(
      at('2026-01-01T00:05:00Z'),
    );
    expect(latestDueTime('*/5 * * * *', at('2026-01-01T00:09:59Z'))).toEqual(
      at('2026-01-01T00:05:00Z'),
    );
    expect(latestDueTime('0 2 * * *', at('2026-01-01T01:00:00Z'))).toEqual(
      at('2025-12-31T02:00:00Z'),
    );
  });
});

describe('cron scheduler', () => {
  it('fires an enabled trigger once per due minute, never for a time before it existed', async () => {
    const { triggerId, nextMinute } = await cronWorkflow();
    const node = scheduler();
    // The minute in which the trigger was created has already begun: nothing is due for it.
    expect(await node.tick(minutes(nextMinute, -1))).toEqual([]);
    const first = await node.tick(nextMinute);
    expect(first.filter((f) => f.triggerId === triggerId)).toHaveLength(1);
    // Later in the same minute: already fired.
    expect(await node.tick(new Date(nextMinute.getTime() + 30_000))).toEqual([]);
    const second = await node.tick(minutes(nextMinute, 1));
    expect(second.map((f) => f.scheduledAt)).toContainEqual(minutes(nextMinute, 1));
    expect(await workOrdersOf(triggerId)).toHaveLength(2);
  });

  it('with two nodes ticking together, each minute fires exactly once', async () => {
    const { triggerId, nextMinute } = await cronWorkflow();
    // A second connection pool when on PostgreSQL, as a second server process would have.
    const second: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'> & { close?: () => Promise<void> } =
      database.url
        ? await openDatabase({
            ...loadConfig({}).config,
            database: { ...loadConfig({}).config.database, url: database.url, poolSize: 4 },
          })
        : database;
    try {
      const nodes = [scheduler(), scheduler(second)];
      for (let minute = 0; minute < 3; minute++) {
        await Promise.all(nodes.map((node) => node.tick(minutes(nextMinute, minute))));
        await Promise.all(nodes.map((node) => node.tick(minutes(nextMinute, minute))));
      }
      expect(await workOrdersOf(triggerId)).toHaveLength(3);
    } finally {
      if (second !== database) await second.close?.();
    }
  });

  it('catches up once, with the latest missed time, after being down', async () => {
    const { triggerId, nextMinute } = await cronWorkflow();
    const node = scheduler();
    await node.tick(nextMinute);
    // Down for ten minutes: one firing on return, not ten.
    const fired = (await node.tick(minutes(nextMinute, 10))).filter(
      (f) => f.triggerId === triggerId,
    );
    expect(fired.map((f) => f.scheduledAt)).toEqual([minutes(nextMinute, 10)]);
    expect(await workOrdersOf(triggerId)).toHaveLength(2);
  });

  it("starts from {} and then from the last successful run's final state", async () => {
    const { triggerId, jobId, nextMinute, workflow } = await cronWorkflow();
    const node = scheduler();
    await node.tick(nextMinute);
    const [first] = await workOrdersOf(triggerId);
    expect(first).toMatchObject({ type: 'global', body: {} });

    // The run finished successfully with an output (written as the runs context would).
    const outputId = randomUUID();
    const stepId = randomUUID();
    await database.db.execute(sql`
      INSERT INTO dataclips (id, project_id, type, body)
        VALUES (${outputId}, ${workflow.project_id}, 'step_result', '{"data": {"cursor": 42}}'::jsonb)`);
    await database.db.execute(sql`
      INSERT INTO steps (id, job_id, input_dataclip_id, output_dataclip_id, exit_reason, started_at, finished_at)
        VALUES (${stepId}, ${jobId}, ${first!.dataclip_id}, ${outputId}, 'success', now(), now())`);
    await database.db.execute(sql`
      UPDATE runs SET state = 'success', claimed_at = now(), started_at = now(), finished_at = now()
        WHERE work_order_id = ${first!.id}`);
    await database.db.execute(sql`
      INSERT INTO run_steps (run_id, step_id)
        SELECT id, ${stepId} FROM runs WHERE work_order_id = ${first!.id}`);

    await node.tick(minutes(nextMinute, 1));
    const [, second] = await workOrdersOf(triggerId);
    expect(second).toMatchObject({ dataclip_id: outputId, body: { data: { cursor: 42 } } });
  });

  it('does not fire disabled triggers', async () => {
    const { triggerId, nextMinute, workflow } = await cronWorkflow();
    await updateWorkflow(database.db, workflow.id, {
      ...workflow,
      triggers: workflow.triggers.map((trigger) => ({ ...trigger, enabled: false })),
    });
    await scheduler().tick(minutes(nextMinute, 1));
    expect(await workOrdersOf(triggerId)).toHaveLength(0);
  });
});
