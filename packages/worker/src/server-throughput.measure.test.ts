// Runs per second one worker gets through against the real server (in this process, over its
// test database: PGlite unless DATABASE_URL is set), for a queue filled beforehand with runs of
// a one-job workflow `fn(s => s)`. Claiming, the run channel and every stored event included;
// webhook ingestion excluded. A measurement, not a check: it runs only when asked for, e.g.
//
//   npm run build && MEASURE_RUNS=2000 MEASURE_CAPACITY=4 \
//     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run packages/worker/src/server-throughput.measure.test.ts
//
// (It is a test file so that the worker's build, which must not compile the server, skips it.)
import { cpus } from 'node:os';
import { eq, sql } from 'drizzle-orm';
import { schema } from '../../server/src/db/index.js';
import { createWorkOrder } from '../../server/src/runs/index.js';
import { createWorkflowFixture } from '../../server/src/runs/test-fixtures.js';
import { startTestServer } from '../../server/src/test-support/server.js';
import { ADAPTORS_DIR } from './test-support/pool-fixtures.js';
import { createWorker } from './worker.js';

const runs = Number(process.env.MEASURE_RUNS ?? 0);
const capacity = Number(process.env.MEASURE_CAPACITY ?? 4);

describe.skipIf(!runs)('end-to-end throughput against the real server', () => {
  it('reports runs per second', async () => {
    const server = await startTestServer();
    const db = server.database.db;
    const fixture = await createWorkflowFixture(db);
    // One job: drop the second job and its edge from the snapshot.
    const [snapshot] = await db
      .select()
      .from(schema.workflowSnapshots)
      .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));
    await db
      .update(schema.workflowSnapshots)
      .set({
        jobs: (snapshot!.jobs as { id: string }[])
          .filter((job) => job.id === fixture.jobIds[0])
          .map((job) => ({ ...job, body: 'fn(s => s)' })),
        edges: (snapshot!.edges as { id: string }[]).filter(
          (edge) => edge.id === fixture.edgeIds[0],
        ),
      })
      .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));

    async function fill(count: number): Promise<void> {
      for (let i = 0; i < count; i++) {
        await createWorkOrder(
          db,
          {
            workflowId: fixture.workflowId,
            snapshotId: fixture.snapshotId,
            triggerId: fixture.triggerId,
            startingTriggerId: fixture.triggerId,
            dataclip: { projectId: fixture.projectId, type: 'http_request', body: { i } },
          },
          i === count - 1 ? { bus: server.bus } : {},
        );
      }
    }

    async function finishedCount(): Promise<number> {
      const rows = await db.execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM runs WHERE state NOT IN ('available', 'claimed', 'started')`,
      );
      return Number((rows as unknown as { rows: { n: number }[] }).rows[0]!.n);
    }

    const worker = createWorker({
      serviceUrl: `${server.url.replace(/^http/, 'ws')}/worker`,
      secret: server.config.workers.secret!,
      lightningPublicKey: server.config.workers.lightningPublicKeyPem,
      capacity,
      name: 'measure',
      adaptorsDir: ADAPTORS_DIR,
      maxRunMemoryMb: 256,
      maxRunDurationSeconds: 60,
      maxRunsPerChild: 1000,
    });

    async function batch(count: number): Promise<number> {
      const before = await finishedCount();
      await fill(count);
      const started = performance.now();
      await worker.start();
      while ((await finishedCount()) < before + count) await new Promise((r) => setTimeout(r, 20));
      return performance.now() - started;
    }

    await batch(100); // warm-up
    const ms = await batch(runs);
    const states = await db.execute(sql`SELECT state, count(*)::int AS n FROM runs GROUP BY state`);
    console.log(
      JSON.stringify({
        date: new Date().toISOString(),
        cpus: cpus().length,
        database: server.database.kind,
        runs,
        capacity,
        seconds: +(ms / 1000).toFixed(2),
        runsPerSecond: Math.round(runs / (ms / 1000)),
        states: (states as unknown as { rows: unknown[] }).rows,
      }),
    );
    await worker.stop();
    await server.close();
  });
});
