// A `lightning worker` process with the wrong keys: it must say which variable is wrong and leave
// no run stranded, never quietly fall back to development keys.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWorkerKeys } from '@lightning/protocol';
import { eq, inArray } from 'drizzle-orm';
import { schema } from '../../server/src/db/index.js';
import { createTestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { processEnv } from './test-support/env.js';
import { runCli } from './test-support/run-cli.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-process.js';

let server: TestServer;
const workers: WorkerProcess[] = [];
const ids = {
  project: randomUUID(),
  workflow: randomUUID(),
  trigger: randomUUID(),
  job: randomUUID(),
};

beforeAll(async () => {
  server = await startTestServer();
  const provisioner = await createTestUser(server.testDatabase.db);
  const provision = await fetch(`${server.baseUrl}/api/provision`, {
    method: 'POST',
    headers: { ...provisioner.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: ids.project,
      name: 'worker-keys-e2e',
      workflows: [
        {
          id: ids.workflow,
          name: 'one step',
          jobs: [
            {
              id: ids.job,
              name: 'only',
              adaptor: '@openfn/language-common@3.3.4',
              body: 'fn(state => state);',
            },
          ],
          triggers: [{ id: ids.trigger, type: 'webhook', enabled: true }],
          edges: [
            {
              id: randomUUID(),
              source_trigger_id: ids.trigger,
              target_job_id: ids.job,
              condition_type: 'always',
            },
          ],
        },
      ],
    }),
  });
  expect(provision.status).toBe(201);
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await server?.close();
});

async function post(): Promise<string> {
  const response = await fetch(`${server.baseUrl}/i/${ids.trigger}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ n: 1 }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { work_order_id: string }).work_order_id;
}

async function runsOf(workOrderIds: string[]) {
  return server.database.db
    .select()
    .from(schema.runs)
    .where(inArray(schema.runs.workOrderId, workOrderIds));
}

async function finishedRun(workOrderId: string, worker: WorkerProcess) {
  for (let i = 0; i < 1200; i++) {
    const [run] = await runsOf([workOrderId]);
    if (run && !['available', 'claimed', 'started'].includes(run.state)) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the run of ${workOrderId} did not finish; worker said:\n${worker.output()}`);
}

describe('a worker whose WORKER_LIGHTNING_PUBLIC_KEY does not match the server', () => {
  it('ends the one run it claimed as exception naming the key, exits 1, and leaves the rest to a good worker', async () => {
    // Both runs wait before the worker starts, so its first claim could take both.
    const workOrderIds = [await post(), await post()];
    const wrong = await startWorkerProcess(server, {
      name: 'wrong-key',
      capacity: 2,
      env: { WORKER_LIGHTNING_PUBLIC_KEY: generateWorkerKeys().WORKER_LIGHTNING_PUBLIC_KEY },
    });
    workers.push(wrong);

    expect(await wrong.exited, wrong.output()).toBe(1);
    expect(wrong.output()).toMatch(
      /A run token did not verify with WORKER_LIGHTNING_PUBLIC_KEY: it must be the public key generated together with the server's WORKER_RUNS_PRIVATE_KEY/,
    );
    expect(wrong.output()).not.toMatch(/\n\s+at /);

    const runs = await runsOf(workOrderIds);
    const refused = runs.find((run) => run.state !== 'available');
    expect(runs.map((run) => run.state).sort()).toEqual(['available', 'exception']);
    expect(refused).toMatchObject({ errorType: 'RunTokenError', workerName: 'wrong-key' });
    const logs = await server.database.db
      .select()
      .from(schema.logLines)
      .where(eq(schema.logLines.runId, refused!.id));
    expect(logs.map((line) => line.message).join('\n')).toMatch(
      /RunTokenError: This worker's WORKER_LIGHTNING_PUBLIC_KEY does not verify the run token/,
    );

    const good = await startWorkerProcess(server, { name: 'good-key', capacity: 1 });
    workers.push(good);
    const waiting = runs.find((run) => run.state === 'available')!;
    const done = await finishedRun(waiting.workOrderId, good);
    expect(done).toMatchObject({ state: 'success', workerName: 'good-key' });
  });
});

describe('a development worker pointed at a remote server', () => {
  it('does not fall back to the development keys of its data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lightning-remote-worker-'));
    try {
      const { code, stderr } = await runCli(
        ['worker'],
        processEnv({
          LIGHTNING_DATA_DIR: dataDir,
          WORKER_LIGHTNING_SERVICE_URL: 'wss://lightning.example.org/worker',
        }),
      );
      expect(code).toBe(1);
      expect(stderr).toMatch(/WORKER_SECRET is required to start a worker/);
      expect(stderr).not.toMatch(/development keys/);
      expect(existsSync(join(dataDir, 'dev-keys.json'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
