// The run-queue gauges' queries against a real database, each variable's effect on them
// (METRICS_STALLED_RUN_THRESHOLD_SECONDS, METRICS_RUN_PERFORMANCE_AGE_SECONDS,
// METRICS_RUN_QUEUE_AGE_SECONDS, METRICS_UNCLAIMED_RUN_THRESHOLD_SECONDS with
// PROMEX_EXPENSIVE_METRICS_ENABLED), and one node computing for the cluster each period.
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import {
  computeRunQueueValues,
  type RunQueueMetricsOptions,
  refreshRunQueueValues,
} from './run-queue-metrics.js';

let database: TestDatabase;
let db: Database;

const defaults: RunQueueMetricsOptions = {
  periodSeconds: 5,
  stalledRunThresholdSeconds: 3600,
  runPerformanceAgeSeconds: 300,
  unclaimedRunThresholdSeconds: 10,
  expensiveMetrics: false,
};

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await db.execute(sql`DELETE FROM runs`);
  await db.execute(sql`DELETE FROM metrics_snapshots`);
});

/** A run inserted `agoSeconds` ago, in the given state, claimed/finished as said. */
async function run(
  fixture: Awaited<ReturnType<typeof createWorkflowFixture>>,
  state: string,
  agoSeconds: number,
  times: { claimedAfterSeconds?: number; finishedAgoSeconds?: number } = {},
) {
  const { runId } = await enqueueRun(db, fixture);
  await db.execute(sql`
    UPDATE runs SET
      state = ${state},
      inserted_at = now() - make_interval(secs => ${agoSeconds}),
      claimed_at = CASE WHEN ${times.claimedAfterSeconds ?? null}::float8 IS NULL THEN NULL
        ELSE now() - make_interval(secs => ${agoSeconds})
                   + make_interval(secs => ${times.claimedAfterSeconds ?? 0}) END,
      finished_at = CASE WHEN ${times.finishedAgoSeconds ?? null}::float8 IS NULL THEN NULL
        ELSE now() - make_interval(secs => ${times.finishedAgoSeconds ?? 0}) END
    WHERE id = ${runId}`);
  return runId;
}

it('counts available and stalled runs (METRICS_STALLED_RUN_THRESHOLD_SECONDS)', async () => {
  const fixture = await createWorkflowFixture(db);
  await run(fixture, 'available', 30);
  await run(fixture, 'available', 120);
  await run(fixture, 'available', 7200);
  await run(fixture, 'started', 7200, { claimedAfterSeconds: 1 });
  expect(await computeRunQueueValues(db, defaults)).toMatchObject({ available: 3, stalled: 1 });
  expect(
    await computeRunQueueValues(db, { ...defaults, stalledRunThresholdSeconds: 60 }),
  ).toMatchObject({ available: 3, stalled: 2 });
});

it('counts the runs finalised within the last period (METRICS_RUN_QUEUE_AGE_SECONDS)', async () => {
  const fixture = await createWorkflowFixture(db);
  await run(fixture, 'success', 100, { claimedAfterSeconds: 1, finishedAgoSeconds: 2 });
  await run(fixture, 'failed', 100, { claimedAfterSeconds: 1, finishedAgoSeconds: 20 });
  await run(fixture, 'lost', 100, { claimedAfterSeconds: 1, finishedAgoSeconds: 50 });
  expect((await computeRunQueueValues(db, defaults)).finalised).toBe(1);
  expect((await computeRunQueueValues(db, { ...defaults, periodSeconds: 30 })).finalised).toBe(2);
  expect((await computeRunQueueValues(db, { ...defaults, periodSeconds: 60 })).finalised).toBe(3);
});

it('averages the claim delay of waiting and recent runs (METRICS_RUN_PERFORMANCE_AGE_SECONDS)', async () => {
  const fixture = await createWorkflowFixture(db);
  // Recent: claimed 2 s and 4 s after insertion. Old (inserted 1000 s ago): claimed after 100 s.
  await run(fixture, 'success', 60, { claimedAfterSeconds: 2, finishedAgoSeconds: 50 });
  await run(fixture, 'started', 30, { claimedAfterSeconds: 4 });
  await run(fixture, 'success', 1000, { claimedAfterSeconds: 100, finishedAgoSeconds: 800 });
  expect((await computeRunQueueValues(db, defaults)).claimAverageDurationMs).toBe(3000);
  const wider = { ...defaults, runPerformanceAgeSeconds: 2000 };
  expect((await computeRunQueueValues(db, wider)).claimAverageDurationMs).toBe(
    Math.round((2000 + 4000 + 100_000) / 3),
  );
  // A waiting run counts with its wait so far (about 9 s; the clock moves during the test).
  await run(fixture, 'available', 9);
  const withWaiting = (await computeRunQueueValues(db, defaults)).claimAverageDurationMs;
  expect(withWaiting).toBeGreaterThanOrEqual((2000 + 4000 + 9000) / 3);
  expect(withWaiting).toBeLessThan((2000 + 4000 + 9000 + 60_000) / 3);
});

it('counts impeded projects only with PROMEX_EXPENSIVE_METRICS_ENABLED (METRICS_UNCLAIMED_RUN_THRESHOLD_SECONDS)', async () => {
  // Waiting 60 s with nothing in flight: impeded (it waits for workers).
  const idle = await createWorkflowFixture(db);
  await run(idle, 'available', 60);
  // Waiting, but its workflow's limit of 1 is taken by a started run: held back by its own
  // limit, not impeded.
  const limited = await createWorkflowFixture(db, { workflowConcurrency: 1 });
  await run(limited, 'available', 60);
  await run(limited, 'started', 70, { claimedAfterSeconds: 1 });
  // Waiting only 2 s: not yet.
  const fresh = await createWorkflowFixture(db);
  await run(fresh, 'available', 2);

  expect((await computeRunQueueValues(db, defaults)).impededProjects).toBeUndefined();
  const expensive = { ...defaults, expensiveMetrics: true };
  expect((await computeRunQueueValues(db, expensive)).impededProjects).toBe(1);
  expect(
    (await computeRunQueueValues(db, { ...expensive, unclaimedRunThresholdSeconds: 1 }))
      .impededProjects,
  ).toBe(2);
});

it('is computed by one node per period; the others expose the stored values', async () => {
  const fixture = await createWorkflowFixture(db);
  await run(fixture, 'available', 5);
  const first = await refreshRunQueueValues(db, 'node-a', defaults);
  expect(first).toEqual({ computed: true, values: expect.objectContaining({ available: 1 }) });
  // Another run arrives; node B's round in the same period takes A's values, not a new count.
  await run(fixture, 'available', 1);
  const second = await refreshRunQueueValues(db, 'node-b', defaults);
  expect(second).toEqual({ computed: false, values: first.values });
  // Once the period has passed, whoever comes first computes again.
  await db.execute(sql`UPDATE metrics_snapshots SET computed_at = now() - interval '10 seconds'`);
  const third = await refreshRunQueueValues(db, 'node-b', defaults);
  expect(third).toEqual({ computed: true, values: expect.objectContaining({ available: 2 }) });
  const [row] = await queryRows<{ computed_by: string }>(
    db,
    sql`SELECT computed_by FROM metrics_snapshots WHERE name = 'run_queue'`,
  );
  expect(row!.computed_by).toBe('node-b');
});
