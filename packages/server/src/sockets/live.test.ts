// The browser's live-update socket against real servers: who may subscribe to what, and a whole run
// reported by a scripted worker arriving as events — on one node, and (PostgreSQL) across two nodes
// sharing one database, where the worker talks to node B and the browser listens on node A.
import { randomUUID } from 'node:crypto';
import { sign } from '@fastify/cookie';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { issueToken } from '../accounts/tokens.js';
import type { Config } from '../config/index.js';
import { openDatabase, schema } from '../db/index.js';
import { SESSION_COOKIE } from '../http/auth.js';
import { createLogger } from '../logger.js';
import { createWorkOrder } from '../runs/index.js';
import { createWorkflowFixture, type WorkflowFixture } from '../runs/test-fixtures.js';
import { type RunningServer, startServer } from '../server.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { testDatabaseUrl } from '../test-support/database.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { liveSettings } from './live.js';
import { TestWorker, UpgradeRefused } from './test-client.js';
import { readWorkerKeys } from './worker-auth.js';

interface LiveMessage {
  event: string;
  data: Record<string, unknown>;
}

/** A browser-like client: collects every message, waits for the one a test expects. */
class LiveClient {
  readonly messages: LiveMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as LiveMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(baseUrl: string, headers: Record<string, string> = {}): Promise<LiveClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/live`, { headers });
      socket.once('open', () => resolve(new LiveClient(socket)));
      socket.once('unexpected-response', (_request, response) =>
        reject(new UpgradeRefused(response.statusCode ?? 0)),
      );
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The first message (from the start) matching, waiting for it if needed. */
  async next(match: (message: LiveMessage) => boolean): Promise<LiveMessage> {
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async subscribe(target: Record<string, string>): Promise<LiveMessage> {
    this.send({ subscribe: target });
    const key = Object.keys(target)[0]!;
    return this.next(
      (message) =>
        (message.event === 'subscribed' && message.data[key] === target[key]) ||
        (message.event === 'error' &&
          (message.data.subscribe as Record<string, string> | undefined)?.[key] === target[key]),
    );
  }

  close(): void {
    this.socket.close();
  }
}

let server: TestServer;
let fixture: WorkflowFixture;
let viewer: TestUser;
let stranger: TestUser;
const clients: LiveClient[] = [];
const workers: TestWorker[] = [];

beforeAll(async () => {
  // Sockets re-check their access often here, so a revoked membership shows without a long wait.
  liveSettings.recheckIntervalMs = 100;
  server = await startTestServer();
  const db = server.database.db;
  fixture = await createWorkflowFixture(db);
  viewer = await createTestUser(db, { projects: { [fixture.projectId]: 'viewer' } });
  stranger = await createTestUser(db);
});
afterAll(async () => {
  for (const client of clients) client.close();
  for (const worker of workers) worker.close();
  await server?.close();
});

async function open(baseUrl: string, user: TestUser): Promise<LiveClient> {
  const client = await LiveClient.open(baseUrl, user.headers);
  clients.push(client);
  return client;
}

const ts = () => (BigInt(Date.now()) * 1000n).toString();

/** Queues a run on `node` and reports it from a scripted worker connected to `node`. */
async function runThrough(node: { baseUrl: string; bus: RunningServer['bus'] }, config: Config) {
  const keys = readWorkerKeys(config);
  if (!keys.ok) throw new Error(keys.reason);
  const created = await createWorkOrder(
    server.database.db,
    {
      workflowId: fixture.workflowId,
      snapshotId: fixture.snapshotId,
      triggerId: fixture.triggerId,
      startingTriggerId: fixture.triggerId,
      dataclip: { projectId: fixture.projectId, type: 'http_request', body: { n: 1 } },
    },
    { bus: node.bus },
  );
  const worker = await TestWorker.connect(node.baseUrl, keys.keys.secret);
  workers.push(worker);
  await worker.join('worker:queue', { capacity: 1 });
  const claim = await worker.push('worker:queue', 'claim', {
    demand: 1,
    worker_name: 'w',
    queues: ['*'],
  });
  const { runs } = claim.response as { runs: Array<{ id: string; token: string }> };
  const run = runs.find((candidate) => candidate.id === created.runId);
  if (!run) throw new Error('the run was not claimed');
  const topic = `run:${run.id}`;
  await worker.join(topic, { token: run.token });
  await worker.push(topic, 'run:start', { timestamp: ts() });
  const stepId = randomUUID();
  await worker.push(topic, 'step:start', {
    step_id: stepId,
    job_id: fixture.jobIds[0],
    input_dataclip_id: created.dataclipId,
    timestamp: ts(),
  });
  return {
    ...created,
    stepId,
    log: (message: string) =>
      worker.push(topic, 'run:log', {
        run_id: run.id,
        step_id: stepId,
        message: [message],
        source: 'JOB',
        level: 'info',
        timestamp: ts(),
      }),
    finish: async () => {
      await worker.push(topic, 'step:complete', {
        step_id: stepId,
        job_id: fixture.jobIds[0],
        reason: 'success',
        output_dataclip_id: randomUUID(),
        output_dataclip: JSON.stringify({ data: { n: 2 } }),
        timestamp: ts(),
      });
      await worker.push(topic, 'run:complete', { reason: 'success', timestamp: ts() });
    },
  };
}

describe('subscribing', () => {
  it('refuses the upgrade without a session or token (401)', async () => {
    await expect(LiveClient.open(server.baseUrl)).rejects.toEqual(new UpgradeRefused(401));
    await expect(
      LiveClient.open(server.baseUrl, { authorization: 'Bearer not-a-token' }),
    ).rejects.toEqual(new UpgradeRefused(401));
  });

  it('accepts the session cookie from this origin and refuses it from another site (403)', async () => {
    const { token } = await issueToken(server.database.db, viewer.id, 'session');
    const cookie = `${SESSION_COOKIE}=${sign(token, server.config.http.secretKeyBase!)}`;
    await expect(
      LiveClient.open(server.baseUrl, { cookie, origin: 'https://elsewhere.example' }),
    ).rejects.toEqual(new UpgradeRefused(403));
    const client = await LiveClient.open(server.baseUrl, { cookie, origin: server.baseUrl });
    clients.push(client);
    expect(await client.subscribe({ project_id: fixture.projectId })).toMatchObject({
      event: 'subscribed',
    });
  });

  it('answers each refused subscription with an error and keeps the socket open', async () => {
    const client = await open(server.baseUrl, stranger);
    expect(await client.subscribe({ project_id: fixture.projectId })).toEqual({
      event: 'error',
      data: {
        error: `Project ${fixture.projectId} not found`,
        status: 404,
        subscribe: { project_id: fixture.projectId },
      },
    });
    const unknownRun = randomUUID();
    expect(await client.subscribe({ run_id: unknownRun })).toMatchObject({
      event: 'error',
      data: { status: 404 },
    });
    client.send({ subscribe: { workflow_id: fixture.workflowId } });
    client.socket.send('not json');
    await client.next((message) => message.data.error === 'Messages must be JSON');
    expect(client.messages.filter((message) => message.event === 'error')).toHaveLength(4);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('lets a project viewer subscribe to the project and its runs', async () => {
    const client = await open(server.baseUrl, viewer);
    expect(await client.subscribe({ project_id: fixture.projectId })).toEqual({
      event: 'subscribed',
      data: { project_id: fixture.projectId },
    });
  });
});

describe('workflow saves', () => {
  it('tell the project watchers the new version', async () => {
    const editor = await createTestUser(server.database.db, {
      projects: { [fixture.projectId]: 'editor' },
    });
    const client = await open(server.baseUrl, viewer);
    await client.subscribe({ project_id: fixture.projectId });
    const read = await fetch(`${server.baseUrl}/api/workflows/${fixture.workflowId}`, {
      headers: editor.headers,
    });
    const { data } = (await read.json()) as { data: { name: string; lock_version: number } };
    const saved = await fetch(`${server.baseUrl}/api/workflows/${fixture.workflowId}`, {
      method: 'PATCH',
      headers: { ...editor.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ...data, name: `${data.name}-renamed` }),
    });
    expect(saved.status).toBe(200);
    const { data: after } = (await saved.json()) as { data: { lock_version: number } };
    expect(await client.next((message) => message.event === 'workflow:updated')).toEqual({
      event: 'workflow:updated',
      data: {
        workflow_id: fixture.workflowId,
        project_id: fixture.projectId,
        lock_version: after.lock_version,
      },
    });
  });
});

describe('a client sending far more than a browser would', () => {
  it('is disconnected (1008)', async () => {
    const client = await open(server.baseUrl, viewer);
    const closed = new Promise<number>((resolve) => client.socket.once('close', resolve));
    for (let i = 0; i < 300; i += 1)
      client.send({ unsubscribe: { project_id: fixture.projectId } });
    expect(await closed).toBe(1008);
  });
});

describe('access that ends while the socket is open', () => {
  it('drops the subscriptions of a removed member and closes the socket of an ended session', async () => {
    const db = server.database.db;
    const member = await createTestUser(db, { projects: { [fixture.projectId]: 'viewer' } });
    const client = await open(server.baseUrl, member);
    expect(await client.subscribe({ project_id: fixture.projectId })).toMatchObject({
      event: 'subscribed',
    });
    await db.delete(schema.projectUsers).where(eq(schema.projectUsers.userId, member.id));
    expect(
      await client.next(
        (message) =>
          message.event === 'error' && message.data.error === 'You may no longer watch this',
      ),
    ).toMatchObject({ data: { status: 404, subscribe: { project_id: fixture.projectId } } });
    expect(client.socket.readyState).toBe(WebSocket.OPEN);

    const closed = new Promise<number>((resolve) => client.socket.once('close', resolve));
    await db.delete(schema.userTokens).where(eq(schema.userTokens.userId, member.id));
    expect(await closed).toBe(4401);
  });
});

describe('a run as events', () => {
  it('sends a project watcher the run from creation to success, and a run watcher its steps and log lines', async () => {
    const projectWatcher = await open(server.baseUrl, viewer);
    await projectWatcher.subscribe({ project_id: fixture.projectId });
    const run = await runThrough(server, server.config);
    const created = await projectWatcher.next(
      (message) => message.event === 'run:created' && message.data.run_id === run.runId,
    );
    expect(created.data).toMatchObject({
      workflow_id: fixture.workflowId,
      project_id: fixture.projectId,
      state: 'available',
    });

    await run.log('before the watcher');
    const runWatcher = await open(server.baseUrl, viewer);
    await runWatcher.subscribe({ run_id: run.runId });
    // Lines stored before the subscription come first, then each new one.
    await runWatcher.next(
      (message) =>
        message.event === 'run:log' &&
        (message.data.lines as Array<{ message: string }>).some(
          (line) => line.message === 'before the watcher',
        ),
    );
    await run.log('while watching');
    await runWatcher.next(
      (message) =>
        message.event === 'run:log' &&
        (message.data.lines as Array<{ message: string }>).some(
          (line) => line.message === 'while watching',
        ),
    );
    await run.finish();
    await runWatcher.next(
      (message) =>
        message.event === 'step:updated' &&
        message.data.step_id === run.stepId &&
        message.data.state === 'success',
    );
    const done = await projectWatcher.next(
      (message) =>
        message.event === 'run:updated' &&
        message.data.run_id === run.runId &&
        message.data.state === 'success',
    );
    expect(done.data).toMatchObject({
      work_order_id: run.workOrderId,
      project_id: fixture.projectId,
    });
    const states = projectWatcher.messages
      .filter((message) => message.event === 'run:updated' && message.data.run_id === run.runId)
      .map((message) => message.data.state);
    expect(states).toEqual(['claimed', 'started', 'success']);
    // Every line exactly once, in order.
    const lines = runWatcher.messages
      .filter((message) => message.event === 'run:log')
      .flatMap((message) =>
        (message.data.lines as Array<{ message: string }>).map((l) => l.message),
      );
    expect(lines).toEqual(['before the watcher', 'while watching']);
  });

  it.skipIf(!testDatabaseUrl())(
    'reaches a browser on node A when node B handles the run (PostgreSQL only: PGlite is one node)',
    async () => {
      const url = server.testDatabase.url;
      if (!url) throw new Error('expected a PostgreSQL test database');
      const config = {
        ...server.config,
        database: { ...server.config.database, url, poolSize: 4 },
        http: { ...server.config.http, port: 0 },
      };
      const handle = await openDatabase(config);
      const nodeB = await startServer({
        config,
        logger: createLogger('silent'),
        database: handle,
      });
      try {
        const browser = await open(server.baseUrl, viewer);
        await browser.subscribe({ project_id: fixture.projectId });
        const run = await runThrough({ baseUrl: nodeB.url, bus: nodeB.bus }, config);
        await browser.next(
          (message) => message.event === 'run:created' && message.data.run_id === run.runId,
        );
        await browser.subscribe({ run_id: run.runId });
        await run.log('from node B');
        await run.finish();
        await browser.next(
          (message) =>
            message.event === 'run:log' &&
            (message.data.lines as Array<{ message: string }>).some(
              (line) => line.message === 'from node B',
            ),
        );
        await browser.next(
          (message) =>
            message.event === 'run:updated' &&
            message.data.run_id === run.runId &&
            message.data.state === 'success',
        );
      } finally {
        await nodeB.close();
        await handle.close();
      }
    },
  );
});
