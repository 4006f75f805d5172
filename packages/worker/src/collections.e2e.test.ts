// Collections end to end: a real server, a real worker and the real adaptor
// @openfn/language-collections from npm. A job sets items, gets them by pattern, walks them with
// each and removes one; the next run sees what is left; a run of another project is refused.
import { installAdaptor } from '@lightning/runtime';
import { asc, eq } from 'drizzle-orm';
import { createCollection } from '../../server/src/collections/index.js';
import { schema } from '../../server/src/db/index.js';
import { createWorkOrder } from '../../server/src/runs/index.js';
import {
  createWorkflowFixture,
  type WorkflowFixture,
} from '../../server/src/runs/test-fixtures.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { collectionsUrlOf } from './collections.js';
import { silentLogger } from './logger.js';
import { ensureBuilt } from './test-support/build-packages.js';
import { ADAPTORS_DIR, COMMON } from './test-support/pool-fixtures.js';
import { createWorker, type Worker } from './worker.js';

const COLLECTIONS_VERSION = '0.8.0';

let server: TestServer;
let worker: Worker;

beforeAll(async () => {
  await ensureBuilt();
  await installAdaptor(COMMON, { adaptorsDir: ADAPTORS_DIR });
  // @openfn/language-collections is not installed here: the worker installs it for the first run.
  server = await startTestServer();
  worker = createWorker({
    serviceUrl: `${server.url.replace(/^http/, 'ws')}/worker`,
    secret: server.config.workers.secret!,
    lightningPublicKey: server.config.workers.lightningPublicKeyPem,
    capacity: 1,
    name: 'collections-e2e',
    adaptorsDir: ADAPTORS_DIR,
    maxRunMemoryMb: 256,
    maxRunDurationSeconds: 60,
    logger: silentLogger,
    // The URL is the default: the /collections of the server the worker connects to.
    collections: { version: COLLECTIONS_VERSION },
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

const FINAL = new Set(['success', 'failed', 'crashed', 'killed', 'exception', 'lost']);

/** Runs `body` as the first job of a fresh workflow of `projectId`; the finished step's output. */
async function runJob(projectId: string | undefined, body: string) {
  const db = server.database.db;
  const fixture: WorkflowFixture = await createWorkflowFixture(db, projectId ? { projectId } : {});
  const [snapshot] = await db
    .select()
    .from(schema.workflowSnapshots)
    .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));
  const jobs = (snapshot!.jobs as { id: string }[]).map((job) =>
    job.id === fixture.jobIds[0] ? { ...job, body } : job,
  );
  await db
    .update(schema.workflowSnapshots)
    .set({ jobs })
    .where(eq(schema.workflowSnapshots.id, fixture.snapshotId));
  const { runId } = await createWorkOrder(
    db,
    {
      workflowId: fixture.workflowId,
      snapshotId: fixture.snapshotId,
      triggerId: fixture.triggerId,
      startingTriggerId: fixture.triggerId,
      dataclip: { projectId: fixture.projectId, type: 'http_request', body: {} },
    },
    { bus: server.bus },
  );
  // Wait for the run's end as the server records it (the bus tells the worker, not the test).
  for (;;) {
    const [run] = await db.select().from(schema.runs).where(eq(schema.runs.id, runId));
    if (FINAL.has(run!.state)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const [run] = await db.select().from(schema.runs).where(eq(schema.runs.id, runId));
  const [step] = await db
    .select()
    .from(schema.steps)
    .innerJoin(schema.runSteps, eq(schema.runSteps.stepId, schema.steps.id))
    .where(eq(schema.runSteps.runId, runId))
    .orderBy(asc(schema.steps.startedAt));
  const [output] = step?.steps.outputDataclipId
    ? await db
        .select()
        .from(schema.dataclips)
        .where(eq(schema.dataclips.id, step.steps.outputDataclipId))
    : [];
  const logs = await db.select().from(schema.logLines).where(eq(schema.logLines.runId, runId));
  return {
    state: run!.state,
    step: step?.steps,
    output: output?.body as Record<string, unknown> | undefined,
    logs: logs.map((line) => line.message).join('\n'),
  };
}

describe('collections through a real worker and @openfn/language-collections', () => {
  it('sets, gets by pattern, walks, removes, and the next run sees the data', async () => {
    const db = server.database.db;
    const fixture = await createWorkflowFixture(db);
    await createCollection(db, { projectId: fixture.projectId, name: 'e2e-patients' });

    const first = await runJob(
      fixture.projectId,
      `
      collections.set('e2e-patients', (p) => p.id, [
        { id: 'patient-1', name: 'Ada' },
        { id: 'patient-2', name: 'Bo' },
        { id: 'other-1', name: 'X' },
      ]);
      collections.get('e2e-patients', 'patient-*');
      fn((state) => ({ ...state, fetched: state.data.map((item) => item.key) }));
      collections.each('e2e-patients', 'patient-*', (state, value, key) => {
        state.seen = [...(state.seen ?? []), key + ':' + value.name];
      });
      collections.remove('e2e-patients', 'patient-2');
      `,
    );
    expect(first.state, first.logs).toBe('success');
    expect(first.output).toMatchObject({
      fetched: ['patient-1', 'patient-2'],
      seen: ['patient-1:Ada', 'patient-2:Bo'],
    });

    const second = await runJob(
      fixture.projectId,
      `
      collections.get('e2e-patients', '*');
      fn((state) => ({ ...state, remaining: state.data.map((item) => item.key + ':' + item.value.name) }));
      collections.get('e2e-patients', 'patient-1');
      fn((state) => ({ ...state, one: state.data }));
      `,
    );
    expect(second.state, second.logs).toBe('success');
    expect(second.output).toMatchObject({
      remaining: ['patient-1:Ada', 'other-1:X'],
      one: { id: 'patient-1', name: 'Ada' },
    });
    // The run token reached the adaptor as configuration only: never a dataclip or a log line.
    expect(JSON.stringify(second.output)).not.toContain('collections_token');
    expect(second.logs).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it("refuses a run of another project with 403: the job fails with the server's message", async () => {
    const db = server.database.db;
    const owner = await createWorkflowFixture(db);
    await createCollection(db, { projectId: owner.projectId, name: 'e2e-private' });
    const other = await runJob(undefined, "collections.get('e2e-private', 'k');");
    expect(other.state).toBe('failed');
    expect(other.step?.errorMessage ?? '').toContain('belongs to another project');
  });

  it('derives the collections URL from the socket URL', () => {
    expect(collectionsUrlOf('ws://localhost:4000/worker')).toBe(
      'http://localhost:4000/collections',
    );
    expect(collectionsUrlOf('wss://lightning.example.org/worker')).toBe(
      'https://lightning.example.org/collections',
    );
  });
});
