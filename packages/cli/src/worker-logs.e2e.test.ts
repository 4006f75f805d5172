// Issue 12, items 3 and 4, end to end with a real server and a real `lightning worker` process:
// one job's enormous log line cannot break the socket its worker shares with another run, and a
// run still delivering a long log is not marked lost (the lost-run sweep is the real one, run
// against the real database while the logs arrive).
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { queryRows, schema } from '../../server/src/db/index.js';
import { markLostRuns } from '../../server/src/runs/lost-runs.js';
import { createTestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-process.js';

const COMMON = '@openfn/language-common@3.3.4';
const LINES = 200_000;

let server: TestServer;
let worker: WorkerProcess | undefined;

const ids = {
  project: randomUUID(),
  workflow: randomUUID(),
  trigger: randomUUID(),
  job: randomUUID(),
};

beforeAll(async () => {
  server = await startTestServer({});
  const provisioner = await createTestUser(server.testDatabase.db);
  const provision = await fetch(`${server.baseUrl}/api/provision`, {
    method: 'POST',
    headers: { ...provisioner.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: ids.project,
      name: 'worker-logs-e2e',
      workflows: [
        {
          id: ids.workflow,
          name: 'logs',
          jobs: [
            {
              id: ids.job,
              name: 'log',
              adaptor: COMMON,
              body: `fn(state => {
                if (state.data.mode === 'huge') console.log('x'.repeat(60 * 1000 * 1000));
                if (state.data.mode === 'many') {
                  for (let i = 0; i < ${LINES}; i++) console.log('line', i);
                }
                if (state.data.mode === 'innocent') console.log('innocent', state.data.n);
                return { ...state, data: { done: state.data.mode } };
              });`,
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
  // WORKER_MAX_LOG_PAYLOAD_MB is set to show it applies; OpenFn's default is 1.
  worker = await startWorkerProcess(server, {
    name: 'logs-e2e',
    capacity: 2,
    env: { WORKER_MAX_LOG_PAYLOAD_MB: '2' },
  });
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

async function post(data: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${server.baseUrl}/i/${ids.trigger}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { work_order_id: string }).work_order_id;
}

async function runOf(workOrderId: string) {
  const [run] = await server.database.db
    .select()
    .from(schema.runs)
    .where(eq(schema.runs.workOrderId, workOrderId));
  return run;
}

/** Polls until `check` returns a value; fails with the worker's output after `tries` polls. */
async function until<T>(what: string, check: () => Promise<T | undefined>, tries = 1800) {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen; worker said:\n${worker?.output().slice(-5000) ?? ''}`);
}

const finished = (workOrderId: string) =>
  until(`the run of ${workOrderId} finishing`, async () => {
    const run = await runOf(workOrderId);
    return run && !['available', 'claimed', 'started'].includes(run.state) ? run : undefined;
  });

const logsOf = (runId: string) =>
  server.database.db.select().from(schema.logLines).where(eq(schema.logLines.runId, runId));

describe('logs cannot break the worker socket', () => {
  it('cuts a 60 MB console.log; a concurrent run on the same socket succeeds', async () => {
    const before = worker!.output();
    const huge = await post({ mode: 'huge' });
    const innocent = await post({ mode: 'innocent', n: 7 });
    const [hugeRun, innocentRun] = [await finished(huge), await finished(innocent)];

    expect(innocentRun.state).toBe('success');
    expect((await logsOf(innocentRun.id)).some((l) => l.message === 'innocent 7')).toBe(true);

    expect(hugeRun.state).toBe('success');
    const cut = (await logsOf(hugeRun.id)).find((l) => l.message.startsWith('xxxx'));
    expect(cut).toBeDefined();
    expect(cut!.message.length).toBeGreaterThan(1024 * 1024);
    expect(cut!.message.length).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(cut!.message).toMatch(
      /x … \[log line truncated: the line has at least 60000000 bytes; the log payload limit is 2 MB\]$/,
    );
    // The socket stayed up the whole time: the worker never lost its connection.
    const during = worker!.output().slice(before.length);
    expect(during).not.toMatch(/Lost the connection to the server|Reconnected/);
  });
});

describe('a run is not lost while its worker still talks', () => {
  it(`ends a run printing ${LINES} lines as success, all its logs stored`, async () => {
    const { db } = server.database;
    const workOrderId = await post({ mode: 'many' });
    const run = await until('the run starting', async () => {
      const found = await runOf(workOrderId);
      return found?.state === 'started' ? found : undefined;
    });
    // The job has returned (the worker logs "Run finished" once the pool is done with it), while
    // its lines are still being delivered.
    await until('the job returning', async () =>
      worker!
        .output()
        .split('\n')
        .some((line) => line.includes(run.id) && line.includes('Run finished'))
        ? true
        : undefined,
    );
    // From here on the run's timeout is 1 ms: 10 s (RUN_GRACE_PERIOD_SECONDS) after its start it
    // is overdue by time alone, and before last_event_at each sweep below would have marked it
    // lost while its lines were still arriving.
    await db.execute(sql`UPDATE runs SET options = options || '{"run_timeout_ms": 1}'::jsonb
                         WHERE id = ${run.id}`);
    const options = { maxRunDurationSeconds: 300, runGracePeriodSeconds: 10 };
    let longestSilence = 0;
    let overdueSweeps = 0;
    const final = await until(
      'the run finishing',
      async () => {
        const [row] = await queryRows<{ state: string; overdue: boolean; silence: number }>(
          db,
          sql`SELECT state, started_at + interval '10.001 seconds' < now() AS overdue,
                     extract(epoch FROM now() - last_event_at)::float8 AS silence
              FROM runs WHERE id = ${run.id}`,
        );
        if (row?.state === 'started') {
          longestSilence = Math.max(longestSilence, row.silence ?? 0);
          const sweep = await markLostRuns(db, options);
          expect(
            sweep.runs.map((lost) => lost.id),
            `marked lost; longest silence seen: ${longestSilence} s`,
          ).not.toContain(run.id);
          if (row.overdue) overdueSweeps++;
          return undefined;
        }
        return row;
      },
      5400,
    );
    expect(final.state).toBe('success');
    // The sweeps were not vacuous: the run was overdue by time while they ran.
    expect(overdueSweeps).toBeGreaterThan(0);
    const [count] = await queryRows<{ lines: number }>(
      db,
      sql`SELECT count(*)::int AS lines FROM log_lines
          WHERE run_id = ${run.id} AND source = 'JOB' AND message LIKE 'line %'`,
    );
    expect(count!.lines).toBe(LINES);
    const [stored] = await db.select().from(schema.runs).where(eq(schema.runs.id, run.id));
    expect(stored!.lostAt).toBeNull();
  });
});
