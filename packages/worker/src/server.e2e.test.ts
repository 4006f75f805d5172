// The worker against the real server: a real server on a random port with its own database,
// runs created through the runs context (no webhook), and a real worker with its warm pool
// running @openfn/language-common. What the server stored is read back from its database.
import { randomUUID } from 'node:crypto';
import { installAdaptor } from '@lightning/runtime';
import { asc, eq } from 'drizzle-orm';
import { schema } from '../../server/src/db/index.js';
import { createWorkOrder } from '../../server/src/runs/index.js';
import {
  createWorkflowFixture,
  type WorkflowFixture,
} from '../../server/src/runs/test-fixtures.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { silentLogger } from './logger.js';
import { ensureBuilt } from './test-support/build-packages.js';
import { ADAPTORS_DIR, COMMON } from './test-support/pool-fixtures.js';
import { type LoggedLine, recordingLogger } from './testing/recording-logger.js';
import { createWorker, type Worker, type WorkerOptions } from './worker.js';

let server: TestServer;
let worker: Worker;

const socketUrl = () => `${server.url.replace(/^http/, 'ws')}/worker`;

function workerOptions(overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return {
    serviceUrl: socketUrl(),
    secret: server.config.workers.secret!,
    lightningPublicKey: server.config.workers.lightningPublicKeyPem,
    capacity: 2,
    name: 'e2e-worker',
    adaptorsDir: ADAPTORS_DIR,
    maxRunMemoryMb: 256,
    maxRunDurationSeconds: 30,
    logger: silentLogger,
    messageTimeoutMs: 5000,
    reconnectDelayMs: () => 100,
    ...overrides,
  };
}

beforeAll(async () => {
  await ensureBuilt();
  await installAdaptor(COMMON, { adaptorsDir: ADAPTORS_DIR });
  server = await startTestServer();
  worker = createWorker(workerOptions());
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

async function runState(runId: string) {
  const [run] = await server.database.db
    .select()
    .from(schema.runs)
    .where(eq(schema.runs.id, runId));
  return run!;
}

const finalStates = new Set(['success', 'failed', 'crashed', 'killed', 'exception', 'lost']);

async function waitForFinish(runId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runState(runId);
    if (finalStates.has(run.state)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${run.state}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A webhook-less work order on the fixture's workflow, announced on the bus as the server does. */
function enqueue(fixture: WorkflowFixture, options?: Record<string, unknown>) {
  return createWorkOrder(
    server.database.db,
    {
      workflowId: fixture.workflowId,
      snapshotId: fixture.snapshotId,
      triggerId: fixture.triggerId,
      startingTriggerId: fixture.triggerId,
      dataclip: { projectId: fixture.projectId, type: 'http_request', body: { n: 1 } },
      ...(options ? { options } : {}),
    },
    { bus: server.bus },
  );
}

/** The run's steps in the order they started. */
function stepsOf(runId: string) {
  return server.database.db
    .select()
    .from(schema.steps)
    .innerJoin(schema.runSteps, eq(schema.runSteps.stepId, schema.steps.id))
    .where(eq(schema.runSteps.runId, runId))
    .orderBy(asc(schema.steps.startedAt));
}

async function dataclipBody(id: string | null) {
  const [dataclip] = await server.database.db
    .select()
    .from(schema.dataclips)
    .where(eq(schema.dataclips.id, id!));
  return dataclip?.body;
}

/** Change the fixture's first job in its snapshot (the plan is built from the snapshot). */
async function updateFirstJob(
  fixture: WorkflowFixture,
  patch: { body?: string; adaptor?: string },
): Promise<void> {
  const db = server.database.db;
  const [snapshot] = await db
    .select()
    .from(schema.workflowSnapshots)
    .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));
  const jobs = (snapshot!.jobs as { id: string }[]).map((job) =>
    job.id === fixture.jobIds[0] ? { ...job, ...patch } : job,
  );
  await db
    .update(schema.workflowSnapshots)
    .set({ jobs })
    .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));
}

describe('a worker driving the real server', () => {
  it('takes a run from available to success, with steps, logs and output dataclips stored', async () => {
    const db = server.database.db;
    const fixture = await createWorkflowFixture(db);
    const { runId, workOrderId } = await enqueue(fixture);
    const run = await waitForFinish(runId);
    expect(run).toMatchObject({ state: 'success', workerName: 'e2e-worker' });
    expect(run.claimedAt).not.toBeNull();
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();

    const steps = await stepsOf(runId);
    expect(steps.map((row) => [row.steps.jobId, row.steps.exitReason])).toEqual([
      [fixture.jobIds[0], 'success'],
      [fixture.jobIds[1], 'success'],
    ]);
    const outputId = steps[1]!.steps.outputDataclipId!;
    const [output] = await db
      .select()
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, outputId));
    expect(output!.body).toMatchObject({ a: true });
    expect(steps[1]!.steps.inputDataclipId).toBe(steps[0]!.steps.outputDataclipId);

    const logs = await db.select().from(schema.logLines).where(eq(schema.logLines.runId, runId));
    expect(logs.some((line) => /Run complete with status: success/.test(line.message))).toBe(true);

    const [workOrder] = await db
      .select()
      .from(schema.workOrders)
      .where(eq(schema.workOrders.id, workOrderId));
    expect(workOrder!.state).toBe('success');
  });

  it('reports a failing job as failed', async () => {
    const db = server.database.db;
    const fixture = await createWorkflowFixture(db);
    await updateFirstJob(fixture, { body: 'fn(() => { throw new Error("e2e failure"); })' });
    const { runId } = await enqueue(fixture);
    const run = await waitForFinish(runId);
    expect(run).toMatchObject({ state: 'failed', errorType: 'JobError' });
  });

  it('fetches the credential from the server and runs with it', async () => {
    const db = server.database.db;
    const fixture = await createWorkflowFixture(db, {
      credentialBody: { user: 'ana', password: 'e2e-secret-password' },
      vault: server.vault,
    });
    await updateFirstJob(fixture, {
      body: 'fn(s => ({ ...s, a: true, user: s.configuration.user }))',
    });
    const { runId } = await enqueue(fixture);
    expect(await waitForFinish(runId)).toMatchObject({ state: 'success' });
    const [first] = await stepsOf(runId);
    const output = await dataclipBody(first!.steps.outputDataclipId);
    expect(output).toMatchObject({ user: 'ana' });
    expect(output).not.toHaveProperty('configuration');
    const logs = await db.select().from(schema.logLines).where(eq(schema.logLines.runId, runId));
    expect(JSON.stringify(logs)).not.toContain('e2e-secret-password');
  });

  it('reports a job that crashes as crashed', async () => {
    const fixture = await createWorkflowFixture(server.database.db);
    await updateFirstJob(fixture, { body: 'fn(s => notDefinedAnywhere(s))' });
    const { runId } = await enqueue(fixture);
    expect(await waitForFinish(runId)).toMatchObject({ state: 'crashed' });
    // As OpenFn's worker stores it: the step keeps the name of what the job threw.
    const [first] = await stepsOf(runId);
    expect(first!.steps).toMatchObject({ exitReason: 'crash', errorType: 'ReferenceError' });
  });

  it('kills a run over its time limit', async () => {
    const fixture = await createWorkflowFixture(server.database.db);
    await updateFirstJob(fixture, { body: 'fn(s => new Promise(() => {}))' });
    const { runId } = await enqueue(fixture, { run_timeout_ms: 1000 });
    expect(await waitForFinish(runId)).toMatchObject({
      state: 'killed',
      errorType: 'TimeoutError',
    });
    // The step the pool closed stores an empty output, as upstream's worker does.
    const [first] = await stepsOf(runId);
    expect(first!.steps).toMatchObject({ exitReason: 'kill', errorType: 'TimeoutError' });
    expect(await dataclipBody(first!.steps.outputDataclipId)).toEqual({});
  });

  it('reports an adaptor that cannot be installed as exception', async () => {
    const fixture = await createWorkflowFixture(server.database.db);
    await updateFirstJob(fixture, { adaptor: '@openfn/language-common@0.0.0-does-not-exist' });
    const { runId } = await enqueue(fixture);
    expect(await waitForFinish(runId, 60_000)).toMatchObject({
      state: 'exception',
      errorType: 'AutoinstallError',
    });
  });

  it('finishes a run whose output is too large for one socket frame, without its dataclip', async () => {
    const db = server.database.db;
    const fixture = await createWorkflowFixture(db);
    await updateFirstJob(fixture, {
      body: 'fn(s => ({ ...s, a: true, big: String.fromCharCode(1).repeat(2000000) }))',
    });
    const { runId } = await enqueue(fixture);
    expect(await waitForFinish(runId)).toMatchObject({ state: 'success' });
    const [first] = await stepsOf(runId);
    expect(first!.steps).toMatchObject({ exitReason: 'success', outputDataclipId: null });
  });

  it('is refused with a wrong WORKER_SECRET, and says so', async () => {
    const lines: LoggedLine[] = [];
    const refused = createWorker(
      workerOptions({
        secret: `wrong-${randomUUID()}`,
        capacity: 1,
        logger: recordingLogger(lines),
      }),
    );
    try {
      await refused.start();
      const deadline = Date.now() + 10_000;
      while (!lines.some((l) => l.level === 'error' && /WORKER_SECRET/.test(l.message))) {
        if (Date.now() > deadline) throw new Error('the refusal was not logged');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(refused.status().isConnected).toBe(false);
    } finally {
      await refused.stop();
    }
  });
});
