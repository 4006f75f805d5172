import { randomUUID } from 'node:crypto';
import { asc, eq, inArray } from 'drizzle-orm';
import { schema } from '../../server/src/db/index.js';
import { createTestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-process.js';

const COMMON = '@openfn/language-common@3.3.4';

let server: TestServer;
let worker: WorkerProcess | undefined;

const ids = {
  project: randomUUID(),
  workflow: randomUUID(),
  trigger: randomUUID(),
  first: randomUUID(),
  second: randomUUID(),
  onFailure: randomUUID(),
  brokenWorkflow: randomUUID(),
  brokenTrigger: randomUUID(),
  brokenJob: randomUUID(),
};

beforeAll(async () => {
  // A short run timeout so the timeout case ends quickly.
  server = await startTestServer({
    WORKER_MAX_RUN_DURATION_SECONDS: '4',
    WORKER_MAX_RUN_MEMORY_MB: '128',
    RUN_GRACE_PERIOD_SECONDS: '30',
  });
  // Provisioned through the API by a user (who becomes the project's owner), as OpenFn's CLI does.
  const provisioner = await createTestUser(server.testDatabase.db);
  const provision = await fetch(`${server.baseUrl}/api/provision`, {
    method: 'POST',
    headers: { ...provisioner.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: ids.project,
      name: 'worker-e2e',
      workflows: [
        {
          id: ids.workflow,
          name: 'two steps',
          jobs: [
            {
              id: ids.first,
              name: 'first',
              adaptor: COMMON,
              body: `fn(state => {
                console.log('first got', state.data.n);
                if (state.data.mode === 'fail') throw new Error('refused by first');
                if (state.data.mode === 'crash') undefinedFunction();
                if (state.data.mode === 'loop') { while (true) {} }
                if (state.data.mode === 'hog') { const hog = []; while (true) hog.push(new Array(100000).fill(Math.random())); }
                return { ...state, data: { n: state.data.n + 1 } };
              });`,
            },
            {
              id: ids.second,
              name: 'second',
              adaptor: COMMON,
              body: "fn(state => { if (state.data.n === 100) throw new Error('second refuses 100'); return { ...state, data: { n: state.data.n * 2 } }; });",
            },
            {
              id: ids.onFailure,
              name: 'on failure',
              adaptor: COMMON,
              body: "fn(state => { console.log('handling failure'); return state; });",
            },
          ],
          triggers: [{ id: ids.trigger, type: 'webhook', enabled: true }],
          edges: [
            {
              id: randomUUID(),
              source_trigger_id: ids.trigger,
              target_job_id: ids.first,
              condition_type: 'always',
            },
            {
              id: randomUUID(),
              source_job_id: ids.first,
              target_job_id: ids.second,
              condition_type: 'on_job_success',
            },
            {
              id: randomUUID(),
              source_job_id: ids.first,
              target_job_id: ids.onFailure,
              condition_type: 'on_job_failure',
            },
          ],
        },
        {
          id: ids.brokenWorkflow,
          name: 'missing adaptor version',
          jobs: [
            {
              id: ids.brokenJob,
              name: 'nowhere',
              adaptor: '@openfn/language-common@99.99.99',
              body: 'fn(s => s);',
            },
          ],
          triggers: [{ id: ids.brokenTrigger, type: 'webhook', enabled: true }],
          edges: [
            {
              id: randomUUID(),
              source_trigger_id: ids.brokenTrigger,
              target_job_id: ids.brokenJob,
              condition_type: 'always',
            },
          ],
        },
      ],
    }),
  });
  expect(provision.status).toBe(201);

  worker = await startWorkerProcess(server, { name: 'e2e-process', capacity: 2 });
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

async function post(data: Record<string, unknown>, trigger = ids.trigger): Promise<string> {
  const response = await fetch(`${server.baseUrl}/i/${trigger}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { work_order_id: string }).work_order_id;
}

async function finishedRun(workOrderId: string) {
  const { db } = server.database;
  for (let i = 0; i < 600; i++) {
    const [run] = await db
      .select()
      .from(schema.runs)
      .where(eq(schema.runs.workOrderId, workOrderId));
    if (run && !['available', 'claimed', 'started'].includes(run.state)) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `run of work order ${workOrderId} did not finish; worker said:\n${worker?.output() ?? ''}`,
  );
}

async function stepsOf(runId: string) {
  const { db } = server.database;
  const links = await db.select().from(schema.runSteps).where(eq(schema.runSteps.runId, runId));
  if (links.length === 0) return [];
  return db
    .select()
    .from(schema.steps)
    .where(
      inArray(
        schema.steps.id,
        links.map((link) => link.stepId),
      ),
    )
    .orderBy(asc(schema.steps.startedAt));
}

describe('a real lightning worker process', () => {
  it('runs a two-step workflow to success, storing steps, logs and dataclips', async () => {
    const workOrderId = await post({ n: 20 });
    const run = await finishedRun(workOrderId);
    expect(run.state).toBe('success');
    expect(run.workerName).toBe('e2e-process');

    const steps = await stepsOf(run.id);
    expect(steps.map((step) => [step.jobId, step.exitReason])).toEqual([
      [ids.first, 'success'],
      [ids.second, 'success'],
    ]);
    const [output] = await server.database.db
      .select()
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, steps[1]!.outputDataclipId!));
    expect((output!.body as { data: unknown }).data).toEqual({ n: 42 });
    expect(steps[0]!.inputDataclipId).toBe(run.dataclipId);

    const logs = await server.database.db
      .select()
      .from(schema.logLines)
      .where(eq(schema.logLines.runId, run.id));
    expect(
      logs.some((line) => line.source === 'JOB' && line.message.includes('first got 20')),
    ).toBe(true);

    const [workOrder] = await server.database.db
      .select()
      .from(schema.workOrders)
      .where(eq(schema.workOrders.id, workOrderId));
    expect(workOrder!.state).toBe('success');
  });

  it('follows the failure edge when a job throws, and ends failed only when a leaf failed', async () => {
    const handled = await finishedRun(await post({ n: 1, mode: 'fail' }));
    const steps = await stepsOf(handled.id);
    expect(steps.map((step) => [step.jobId, step.exitReason, step.errorType])).toEqual([
      [ids.first, 'fail', 'JobError'],
      [ids.onFailure, 'success', null],
    ]);
    // The failure was handled by a failure edge leading to a successful leaf.
    expect(handled.state).toBe('success');
  });

  it('ends failed when a leaf step fails', async () => {
    const run = await finishedRun(await post({ n: 99 }));
    expect(run.state).toBe('failed');
    const steps = await stepsOf(run.id);
    expect(steps.map((step) => [step.jobId, step.exitReason])).toEqual([
      [ids.first, 'success'],
      [ids.second, 'fail'],
    ]);
  });

  it('ends exception when the adaptor cannot be installed', async () => {
    const run = await finishedRun(await post({}, ids.brokenTrigger));
    expect(run.state, (worker?.output() ?? '').slice(-3000)).toBe('exception');
    expect(run.errorType).toBe('AutoinstallError');
  });

  it('ends killed with OOMError over the memory limit, and keeps serving', async () => {
    const hog = await finishedRun(await post({ n: 1, mode: 'hog' }));
    expect(hog.state).toBe('killed');
    expect(hog.errorType).toBe('OOMError');
  });

  it('ends crashed on a ReferenceError and killed on a timeout, and keeps serving', async () => {
    const crashed = await finishedRun(await post({ n: 1, mode: 'crash' }));
    expect(crashed.state).toBe('crashed');
    expect(crashed.errorType).toBe('RuntimeCrash');

    const killed = await finishedRun(await post({ n: 1, mode: 'loop' }));
    expect(killed.state).toBe('killed');
    expect(killed.errorType).toBe('TimeoutError');

    const after = await finishedRun(await post({ n: 1 }));
    expect(after.state).toBe('success');
  });

  it('stops gracefully on SIGTERM', async () => {
    expect(await worker?.stop()).toBe(0);
    expect(worker?.output() ?? '').not.toMatch(/\n\s+at /);
  });
});
