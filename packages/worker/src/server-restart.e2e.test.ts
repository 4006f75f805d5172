// The server goes away while a worker is running a run, and comes back on the same address over
// the same database: the worker reconnects, rejoins the run's channel with its run token, sends
// the rest of the run's events, and the run is recorded as if nothing had happened.
import { randomBytes } from 'node:crypto';
import { installAdaptor } from '@lightning/runtime';
import { asc, eq } from 'drizzle-orm';
import { generateDevKeys, loadConfig } from '../../server/src/config/index.js';
import { schema } from '../../server/src/db/index.js';
import { createLogger } from '../../server/src/logger.js';
import { createWorkOrder } from '../../server/src/runs/index.js';
import { createWorkflowFixture } from '../../server/src/runs/test-fixtures.js';
import { type RunningServer, startServer } from '../../server/src/server.js';
import { createTestDatabase, type TestDatabase } from '../../server/src/test-support/database.js';
import { silentLogger } from './logger.js';
import { ensureBuilt } from './test-support/build-packages.js';
import { ADAPTORS_DIR, COMMON } from './test-support/pool-fixtures.js';
import { createWorker, type Worker } from './worker.js';

let database: TestDatabase;
let server: RunningServer | undefined;
let worker: Worker | undefined;

afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await database?.close();
});

async function runState(runId: string): Promise<string> {
  const [run] = await database.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
  return run!.state;
}

async function waitForState(runId: string, states: string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await runState(runId);
    if (states.includes(state)) return state;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a server restart during a run', () => {
  it('lets the run finish and be recorded once the server is back', async () => {
    await ensureBuilt();
    await installAdaptor(COMMON, { adaptorsDir: ADAPTORS_DIR });
    database = await createTestDatabase();
    const { config } = loadConfig({
      ...generateDevKeys(),
      PORT: '1',
      LOG_LEVEL: 'silent',
      LIGHTNING_DATA_DIR: `/tmp/lightning-test-${randomBytes(4).toString('hex')}`,
    });
    const logger = createLogger('silent');
    const start = (port: number) =>
      startServer({ config: { ...config, http: { ...config.http, port } }, logger, database });
    server = await start(0);
    const port = Number(new URL(server.url).port);

    worker = createWorker({
      serviceUrl: `ws://127.0.0.1:${port}/worker`,
      secret: config.workers.secret!,
      lightningPublicKey: config.workers.lightningPublicKeyPem,
      capacity: 1,
      name: 'restart-worker',
      adaptorsDir: ADAPTORS_DIR,
      maxRunMemoryMb: 256,
      maxRunDurationSeconds: 60,
      logger: silentLogger,
      messageTimeoutMs: 5000,
      reconnectDelayMs: () => 100,
    });
    await worker.start();

    const fixture = await createWorkflowFixture(database.db);
    // The first job outlives the server's absence.
    const [snapshot] = await database.db
      .select()
      .from(schema.workflowSnapshots)
      .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));
    const jobs = (snapshot!.jobs as { id: string }[]).map((job) =>
      job.id === fixture.jobIds[0]
        ? {
            ...job,
            body: 'fn(s => new Promise(r => setTimeout(() => r({ ...s, a: true }), 1500)))',
          }
        : job,
    );
    await database.db
      .update(schema.workflowSnapshots)
      .set({ jobs })
      .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));
    const { runId } = await createWorkOrder(
      database.db,
      {
        workflowId: fixture.workflowId,
        snapshotId: fixture.snapshotId,
        triggerId: fixture.triggerId,
        startingTriggerId: fixture.triggerId,
        dataclip: { projectId: fixture.projectId, type: 'http_request', body: { n: 1 } },
      },
      { bus: server.bus },
    );

    await waitForState(runId, ['started']);
    await server.close();
    expect(worker.status().isConnected).toBe(false);
    server = await start(port);

    expect(await waitForState(runId, ['success', 'failed', 'crashed', 'exception', 'lost'])).toBe(
      'success',
    );
    const steps = await database.db
      .select()
      .from(schema.steps)
      .innerJoin(schema.runSteps, eq(schema.runSteps.stepId, schema.steps.id))
      .where(eq(schema.runSteps.runId, runId))
      .orderBy(asc(schema.steps.startedAt));
    expect(steps.map((row) => row.steps.exitReason)).toEqual(['success', 'success']);
  });
});
