import { sql } from 'drizzle-orm';
import { type Database, executeCount, queryRows } from '../db/index.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { type ClaimOptions, claim, releaseClaimedRuns } from './claim.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from './test-fixtures.js';

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(() => database?.close());
// Every test starts from an empty queue; fixtures (projects, workflows) are made per test.
beforeEach(async () => {
  await db.execute(sql`DELETE FROM runs`);
});

const claimOptions = (overrides: Partial<ClaimOptions> = {}): ClaimOptions => ({
  demand: 1,
  workerName: 'worker-1',
  perWorkflowLimit: 50,
  ...overrides,
});

/** `count` available runs of one workflow in one statement, oldest first, 1 ms apart. */
async function enqueueMany(fixture: WorkflowFixture, count: number, startedSecondsAgo = 3600) {
  const { workOrderId } = await enqueueRun(db, fixture);
  await db.execute(sql`DELETE FROM runs WHERE work_order_id = ${workOrderId}`);
  await db.execute(sql`
    INSERT INTO runs (id, work_order_id, workflow_id, snapshot_id, starting_trigger_id, state,
                      priority, queue, inserted_at)
    SELECT gen_random_uuid(), ${workOrderId}, ${fixture.workflowId}, ${fixture.snapshotId},
           ${fixture.triggerId}, 'available', 1, 'default',
           now() - make_interval(secs => ${startedSecondsAgo}) + i * interval '1 millisecond'
    FROM generate_series(1, ${count}) AS i`);
}

async function finish(runIds: string[]) {
  if (runIds.length === 0) return;
  await db.execute(
    sql`UPDATE runs SET state = 'success', finished_at = now()
        WHERE id IN (${sql.join(
          runIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
  );
}

describe('claim', () => {
  it('moves runs to claimed, stamped with the time and the worker name', async () => {
    const fixture = await createWorkflowFixture(db);
    const { runId, workOrderId } = await enqueueRun(db, fixture);
    const claimed = await claim(db, claimOptions({ demand: 3, workerName: 'cyan-eggs' }));
    expect(claimed).toEqual([
      { id: runId, workflowId: fixture.workflowId, workOrderId, options: {} },
    ]);
    const [row] = await queryRows<{ state: string; worker_name: string; claimed: boolean }>(
      db,
      sql`SELECT state, worker_name, claimed_at IS NOT NULL AS claimed FROM runs WHERE id = ${runId}`,
    );
    expect(row).toEqual({ state: 'claimed', worker_name: 'cyan-eggs', claimed: true });
    expect(await claim(db, claimOptions())).toEqual([]);
  });

  it('takes immediate runs before normal ones, then the oldest first', async () => {
    const fixture = await createWorkflowFixture(db);
    const oldest = await enqueueRun(db, fixture);
    const newer = await enqueueRun(db, fixture);
    const manual = await enqueueRun(db, fixture, { priority: 'immediate' });
    const claimed = await claim(db, claimOptions({ demand: 3 }));
    expect(claimed.map((run) => run.id)).toEqual([manual.runId, oldest.runId, newer.runId]);
  });

  it('honours the queues in the order the worker lists them', async () => {
    const fixture = await createWorkflowFixture(db);
    const batch = await enqueueRun(db, fixture, { priority: 'immediate' });
    const other = await enqueueRun(db, fixture, { queue: 'bulk' });
    const manual = await enqueueRun(db, fixture, { queue: 'manual' });
    // `manual` first even though the batch run is older and of higher priority.
    const first = await claim(db, claimOptions({ queues: ['manual', '*'] }));
    expect(first.map((run) => run.id)).toEqual([manual.runId]);
    // Without `*`, only the named queues are served.
    expect(await claim(db, claimOptions({ queues: ['manual'] }))).toEqual([]);
    const bulk = await claim(db, claimOptions({ queues: ['bulk'], demand: 5 }));
    expect(bulk.map((run) => run.id)).toEqual([other.runId]);
    const rest = await claim(db, claimOptions({ demand: 5 }));
    expect(rest.map((run) => run.id)).toEqual([batch.runId]);
  });

  it('serves the default queues (manual, then any) when the worker names none', async () => {
    const fixture = await createWorkflowFixture(db);
    const normal = await enqueueRun(db, fixture);
    const manual = await enqueueRun(db, fixture, { queue: 'manual' });
    const claimed = await claim(db, claimOptions({ demand: 2, queues: [] }));
    expect(claimed.map((run) => run.id)).toEqual([manual.runId, normal.runId]);
  });

  it('does not let a workflow with 10,000 queued runs starve one with 1', async () => {
    const busy = await createWorkflowFixture(db);
    const quiet = await createWorkflowFixture(db);
    await enqueueMany(busy, 10_000);
    const lonely = await enqueueRun(db, quiet);
    const claimed = await claim(db, claimOptions({ demand: 6, perWorkflowLimit: 5 }));
    expect(claimed).toHaveLength(6);
    expect(claimed.filter((run) => run.workflowId === busy.workflowId)).toHaveLength(5);
    expect(claimed.map((run) => run.id)).toContain(lonely.runId);
    // The busy workflow is at its limit: nothing more until one of its runs finishes.
    expect(await claim(db, claimOptions({ demand: 3, perWorkflowLimit: 5 }))).toEqual([]);
    await finish([claimed[0]!.id]);
    const next = await claim(db, claimOptions({ demand: 3, perWorkflowLimit: 5 }));
    expect(next.map((run) => run.workflowId)).toEqual([busy.workflowId]);
  });

  it('respects a workflow concurrency limit, counting claimed and started runs', async () => {
    const limited = await createWorkflowFixture(db, { workflowConcurrency: 1 });
    const free = await createWorkflowFixture(db);
    const first = await enqueueRun(db, limited);
    const second = await enqueueRun(db, limited);
    const other = await enqueueRun(db, free);
    const claimed = await claim(db, claimOptions({ demand: 5 }));
    expect(claimed.map((run) => run.id).sort()).toEqual([first.runId, other.runId].sort());
    await db.execute(sql`UPDATE runs SET state = 'started' WHERE id = ${first.runId}`);
    expect(await claim(db, claimOptions({ demand: 5 }))).toEqual([]);
    await finish([first.runId]);
    expect((await claim(db, claimOptions({ demand: 5 }))).map((run) => run.id)).toEqual([
      second.runId,
    ]);
  });

  it("falls back to the project's limit, shared by its workflows without their own", async () => {
    const a = await createWorkflowFixture(db, { projectConcurrency: 2 });
    const b = await createWorkflowFixture(db, { projectId: a.projectId });
    const own = await createWorkflowFixture(db, { projectId: a.projectId, workflowConcurrency: 1 });
    for (const fixture of [a, b, a, b, own, own]) await enqueueRun(db, fixture);
    const claimed = await claim(db, claimOptions({ demand: 10 }));
    const byWorkflow = (id: string) => claimed.filter((run) => run.workflowId === id).length;
    // a and b share the project's 2; `own` has its own limit of 1.
    expect(byWorkflow(a.workflowId) + byWorkflow(b.workflowId)).toBe(2);
    expect(byWorkflow(own.workflowId)).toBe(1);
    expect(await claim(db, claimOptions({ demand: 10 }))).toEqual([]);
  });

  it('reaches runs behind a saturated workflow that owns the head of the queue', async () => {
    const limited = await createWorkflowFixture(db, { workflowConcurrency: 1 });
    const behind = await createWorkflowFixture(db);
    await enqueueMany(limited, 200);
    const late = await enqueueRun(db, behind);
    const claimed = await claim(db, claimOptions({ demand: 2 }));
    expect(claimed.map((run) => run.workflowId)).toEqual([limited.workflowId, behind.workflowId]);
    expect(claimed[1]!.id).toBe(late.runId);
  });

  it('applies CLAIM_WORK_MEM inside the claim transaction only', async () => {
    const fixture = await createWorkflowFixture(db);
    await enqueueRun(db, fixture);
    const claimed = await claim(db, claimOptions({ workMem: '8MB' }));
    expect(claimed).toHaveLength(1);
  });

  it('puts back runs whose worker went away before the reply', async () => {
    const fixture = await createWorkflowFixture(db);
    const { runId } = await enqueueRun(db, fixture);
    const [claimed] = await claim(db, claimOptions());
    expect(await releaseClaimedRuns(db, [claimed!.id])).toBe(1);
    expect((await claim(db, claimOptions())).map((run) => run.id)).toEqual([runId]);
  });
});

// PGlite is a single backend: a transaction serialises every other query, so claims there never
// actually overlap. These need real PostgreSQL connections racing each other.
// Skipped, with the reason in the name, when DATABASE_URL is not set.
describe('claim under concurrent claimers', () => {
  it.skipIf(!process.env.DATABASE_URL)(
    'never hands one run to two workers (8 claimers) — needs PostgreSQL (DATABASE_URL)',
    async () => {
      const fixtures = await Promise.all(
        Array.from({ length: 4 }, () => createWorkflowFixture(db)),
      );
      for (const fixture of fixtures) await enqueueMany(fixture, 150);
      const seen: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (;;) {
            const runs = await claim(
              db,
              claimOptions({ demand: 3, workerName: `w${worker}`, perWorkflowLimit: 1000 }),
            );
            if (runs.length === 0) return;
            seen.push(...runs.map((run) => run.id));
          }
        }),
      );
      expect(seen).toHaveLength(600);
      expect(new Set(seen).size).toBe(600);
      const [stats] = await queryRows<{ claimed: number }>(
        db,
        sql`SELECT count(*)::int AS claimed FROM runs WHERE state = 'claimed'`,
      );
      expect(stats!.claimed).toBe(600);
    },
  );

  it.skipIf(!process.env.DATABASE_URL)(
    'never has two runs of a concurrency-1 workflow in flight (8 claimers) — needs PostgreSQL',
    async () => {
      const limited = await createWorkflowFixture(db, { workflowConcurrency: 1 });
      const other = await createWorkflowFixture(db);
      await enqueueMany(limited, 40);
      await enqueueMany(other, 40);
      let active = 0;
      let maxActive = 0;
      let done = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          while (done < 40) {
            const runs = await claim(db, claimOptions({ demand: 2, workerName: `w${worker}` }));
            const mine = runs.filter((run) => run.workflowId === limited.workflowId);
            await finish(
              runs.filter((run) => run.workflowId !== limited.workflowId).map((r) => r.id),
            );
            if (mine.length === 0) {
              await new Promise((resolve) => setTimeout(resolve, 1));
              continue;
            }
            active += mine.length;
            maxActive = Math.max(maxActive, active);
            await executeCount(
              db,
              sql`UPDATE runs SET state = 'started', started_at = now() WHERE id = ${mine[0]!.id}`,
            );
            // Decrement before the completion commits: a claim may only hand out the next run
            // after that commit, so the counter can never over-count a legitimate hand-over.
            active -= mine.length;
            done += mine.length;
            await finish(mine.map((run) => run.id));
          }
        }),
      );
      expect(done).toBe(40);
      expect(maxActive).toBe(1);
    },
  );
});
