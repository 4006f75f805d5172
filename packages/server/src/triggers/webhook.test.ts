import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/index.js';
import { installErrorHandler } from '../http/error-handler.js';
import { createWorkOrder } from '../runs/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createWorkflow, provisionProject, updateWorkflow } from '../workflows/index.js';
import { registerWebhookRoutes, type WebhookDependencies } from './webhook.js';

let server: TestServer;
/** Owns the projects of these tests (it provisions them) and manages them through the API. */
let owner: TestUser;

beforeAll(async () => {
  server = await startTestServer({ MAX_DATACLIP_SIZE_MB: '1' });
  owner = await createTestUser(server.database.db);
});
afterAll(async () => {
  await server?.close();
});

const db = () => server.database.db;

/** A project with an enabled webhook → job workflow; returns its ids. */
async function webhookWorkflow(
  options: {
    enabled?: boolean;
    customPath?: string;
    reply?: 'before_start' | 'after_completion';
  } = {},
) {
  const projectId = randomUUID();
  await provisionProject(
    db(),
    { id: projectId, name: `p-${projectId.slice(0, 8)}` },
    { ownerId: owner.id },
  );
  const triggerId = randomUUID();
  const jobId = randomUUID();
  const workflow = await createWorkflow(db(), projectId, {
    name: 'ingest',
    jobs: [{ id: jobId, name: 'store', body: 'fn(s => s)' }],
    triggers: [
      {
        id: triggerId,
        type: 'webhook',
        enabled: options.enabled ?? true,
        custom_path: options.customPath ?? null,
        webhook_reply: options.reply ?? 'before_start',
      },
    ],
    edges: [{ source_trigger_id: triggerId, target_job_id: jobId, condition_type: 'always' }],
  });
  return { projectId, triggerId, workflow };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  const json: any = await response.json();
  return { status: response.status, headers: response.headers, body: json };
}

async function workOrdersOf(triggerId: string) {
  return queryRows<{
    id: string;
    snapshot_id: string;
    body: unknown;
    request: { headers: Record<string, unknown> } & Record<string, unknown>;
    type: string;
    run_state: string;
  }>(
    db(),
    sql`SELECT w.id, w.snapshot_id, d.body, d.request, d.type, r.state AS run_state
        FROM work_orders w JOIN dataclips d ON d.id = w.dataclip_id JOIN runs r ON r.work_order_id = w.id
        WHERE w.trigger_id = ${triggerId}`,
  );
}

describe('webhook ingestion', () => {
  it('stores dataclip, work order and run, then answers 200 with the work order id', async () => {
    const { triggerId } = await webhookWorkflow();
    const { status, body, headers } = await post(
      `/i/${triggerId}?source=lab`,
      { patient: { id: 7 }, configuration: { password: 'x' } },
      { 'x-custom': 'yes' },
    );
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['work_order_id']);
    expect(headers.get('x-meta-work-order-id')).toBe(body.work_order_id);
    const [workOrder] = await workOrdersOf(triggerId);
    expect(workOrder).toMatchObject({
      id: body.work_order_id,
      type: 'http_request',
      body: { patient: { id: 7 } },
      run_state: 'available',
    });
    expect(workOrder!.request).toMatchObject({
      method: 'POST',
      path: ['i', triggerId],
      query_params: { source: 'lab' },
      headers: { 'x-custom': 'yes', 'content-type': 'application/json' },
    });
  });

  it('accepts other methods and a path suffix, recording both', async () => {
    const { triggerId } = await webhookWorkflow();
    const response = await fetch(`${server.baseUrl}/i/${triggerId}/patients/7`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Ada&tag=a&tag=b',
    });
    expect(response.status).toBe(200);
    const [workOrder] = await workOrdersOf(triggerId);
    expect(workOrder!.body).toEqual({ name: 'Ada', tag: ['a', 'b'] });
    expect(workOrder!.request).toMatchObject({
      method: 'PUT',
      path: ['i', triggerId, 'patients', '7'],
    });
  });

  it('finds a trigger by its custom path', async () => {
    const customPath = `intake-${randomUUID().slice(0, 8)}`;
    const { triggerId } = await webhookWorkflow({ customPath });
    expect((await post(`/i/${customPath}`, { a: 1 })).status).toBe(200);
    expect(await workOrdersOf(triggerId)).toHaveLength(1);
  });

  it('answers a GET with the trigger-found message and creates nothing', async () => {
    const { triggerId } = await webhookWorkflow();
    const response = await fetch(`${server.baseUrl}/i/${triggerId}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { message: string }).message).toMatch(/trigger found/);
    const head = await fetch(`${server.baseUrl}/i/${triggerId}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await workOrdersOf(triggerId)).toHaveLength(0);
  });

  it('answers 404 for an unknown trigger', async () => {
    const unknown = await post(`/i/${randomUUID()}`, { a: 1 });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'Webhook not found' } });
    expect((await post('/i/no-such-path', { a: 1 })).status).toBe(404);
  });

  it('answers 403 for a disabled trigger', async () => {
    const { triggerId } = await webhookWorkflow({ enabled: false });
    const { status, body } = await post(`/i/${triggerId}`, { a: 1 });
    expect(status).toBe(403);
    expect(body.error).toBe('trigger_disabled');
    expect(await workOrdersOf(triggerId)).toHaveLength(0);
  });

  it('answers 401 without credentials and 404 with wrong ones when auth methods are set', async () => {
    const { projectId, triggerId } = await webhookWorkflow();
    const create = async (method: Record<string, string>) => {
      const response = await fetch(
        `${server.baseUrl}/api/projects/${projectId}/webhook_auth_methods`,
        {
          method: 'POST',
          headers: { ...owner.headers, 'content-type': 'application/json' },
          body: JSON.stringify(method),
        },
      );
      expect(response.status).toBe(201);
      const { data } = (await response.json()) as { data: { id: string; api_key?: string } };
      const attached = await fetch(
        `${server.baseUrl}/api/triggers/${triggerId}/webhook_auth_methods/${data.id}`,
        { method: 'PUT', headers: owner.headers },
      );
      expect(attached.status).toBe(204);
      return data;
    };
    const apiMethod = await create({ name: 'key', auth_type: 'api' });
    await create({ name: 'basic', auth_type: 'basic', username: 'lab', password: 'correct horse' });
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

    expect(await post(`/i/${triggerId}`, { a: 1 })).toMatchObject({
      status: 401,
      body: { error: 'Unauthorized' },
    });
    expect((await post(`/i/${triggerId}`, { a: 1 }, { 'x-api-key': 'nope' })).status).toBe(404);
    expect(
      (await post(`/i/${triggerId}`, { a: 1 }, { authorization: basic('lab', 'wrong one') }))
        .status,
    ).toBe(404);
    expect(
      (await post(`/i/${triggerId}`, { a: 1 }, { 'x-api-key': apiMethod.api_key! })).status,
    ).toBe(200);
    const viaBasic = await post(
      `/i/${triggerId}`,
      { a: 2 },
      { authorization: basic('lab', 'correct horse') },
    );
    expect(viaBasic.status).toBe(200);
    const workOrders = await workOrdersOf(triggerId);
    expect(workOrders).toHaveLength(2);
    // Secrets never reach the dataclip.
    for (const workOrder of workOrders) {
      expect(workOrder.request.headers).not.toHaveProperty('authorization');
      expect(workOrder.request.headers).not.toHaveProperty('x-api-key');
    }
  });

  it('refuses to delete a trigger that started runs (409), nothing changed', async () => {
    const { triggerId, workflow } = await webhookWorkflow();
    expect((await post(`/i/${triggerId}`, {})).status).toBe(200);
    const response = await fetch(`${server.baseUrl}/api/workflows/${workflow.id}`, {
      method: 'PUT',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ...workflow, triggers: [], edges: [], lock_version: 1 }),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: string }).error).toMatch(/disable the trigger/);
    expect((await post(`/i/${triggerId}`, {})).status).toBe(200);
  });

  it('answers 400 for malformed JSON, 415 for a content type it does not take', async () => {
    const { triggerId } = await webhookWorkflow();
    const broken = await post(`/i/${triggerId}`, '{"broken": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/not valid JSON/);
    const xml = await fetch(`${server.baseUrl}/i/${triggerId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<patient/>',
    });
    expect(xml.status).toBe(415);
    const untyped = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.baseUrl}/i/${triggerId}`);
      const request = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST' },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end('{"no":"content-type"}');
    });
    expect(untyped).toBe(415);
    expect(await workOrdersOf(triggerId)).toHaveLength(0);
  });

  it('inflates a gzip body, counting the inflated bytes against the limit', async () => {
    const { triggerId } = await webhookWorkflow();
    const send = (body: Buffer, encoding = 'gzip') =>
      fetch(`${server.baseUrl}/i/${triggerId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body,
      });
    const small = await send(gzipSync(JSON.stringify({ zipped: true })));
    expect(small.status).toBe(200);
    // 2 MB of JSON compresses to a few KB: the inflated size is what is refused.
    const bomb = gzipSync(JSON.stringify({ a: 'x'.repeat(2_000_000) }));
    expect(bomb.length).toBeLessThan(100_000);
    expect((await send(bomb)).status).toBe(413);
    expect((await send(Buffer.from('not gzip'))).status).toBe(415);
    expect((await send(Buffer.from('{}'), 'br')).status).toBe(415);
    const rows = await workOrdersOf(triggerId);
    expect(rows.map((row) => row.body)).toEqual([{ zipped: true }]);
  });

  it('answers 413 at once for a declared length over MAX_DATACLIP_SIZE_MB (decimal MB)', async () => {
    const { triggerId } = await webhookWorkflow();
    const limit = 1_000_000;
    const atLimit = `{"a":"${'x'.repeat(limit - 8)}"}`;
    expect(Buffer.byteLength(atLimit)).toBe(limit);
    expect((await post(`/i/${triggerId}`, atLimit)).status).toBe(200);
    const over = `{"a":"${'x'.repeat(limit - 7)}"}`;
    expect((await post(`/i/${triggerId}`, over)).status).toBe(413);
    expect(await workOrdersOf(triggerId)).toHaveLength(1);
  });

  it('refuses a streamed body over the limit with 413 before the client has finished sending', async () => {
    const { triggerId } = await webhookWorkflow();
    const planned = 200 * 1024 * 1024; // 200 MiB, sent in chunks with no Content-Length
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const { status, sentWhenAnswered } = await new Promise<{
      status: number;
      sentWhenAnswered: number;
    }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const url = new URL(`${server.baseUrl}/i/${triggerId}`);
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      request.on('response', (response) => {
        answered = true;
        resolve({ status: response.statusCode ?? 0, sentWhenAnswered: sent });
        response.resume();
        request.destroy();
      });
      request.on('error', (error) => {
        if (!answered) reject(error);
      });
      const pump = () => {
        while (!answered && sent < planned) {
          sent += chunk.length;
          request.write(chunk);
          if (request.writableNeedDrain) {
            request.once('drain', pump);
            return;
          }
        }
        if (!answered) request.end();
      };
      pump();
    });
    expect(status).toBe(413);
    // The answer came while most of the body was still unsent: it was refused while streaming.
    expect(sentWhenAnswered).toBeLessThan(planned / 2);
    expect(await workOrdersOf(triggerId)).toHaveLength(0);
  });

  it('answers a repeated Idempotency-Key with the first work order', async () => {
    const { triggerId } = await webhookWorkflow();
    const key = { 'idempotency-key': `order-${randomUUID()}` };
    const first = await post(`/i/${triggerId}`, { n: 1 }, key);
    const second = await post(`/i/${triggerId}`, { n: 2 }, key);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.work_order_id).toBe(first.body.work_order_id);
    const racing = await Promise.all(
      [1, 2, 3, 4].map((n) => post(`/i/${triggerId}`, { n }, { 'idempotency-key': 'race' })),
    );
    expect(new Set(racing.map((r) => r.body.work_order_id)).size).toBe(1);
    const other = await post(`/i/${triggerId}`, { n: 3 }, { 'idempotency-key': 'another' });
    expect(other.body.work_order_id).not.toBe(first.body.work_order_id);
    expect(await workOrdersOf(triggerId)).toHaveLength(3);
  });

  it('pins the run to the snapshot current when the request came', async () => {
    const { triggerId, workflow } = await webhookWorkflow();
    const first = await post(`/i/${triggerId}`, {});
    const edited = await updateWorkflow(db(), workflow.id, {
      ...workflow,
      lock_version: workflow.lock_version,
      jobs: [{ ...workflow.jobs[0]!, body: 'fn(s => ({ ...s, v: 2 }))' }],
    });
    const second = await post(`/i/${triggerId}`, {});
    const rows = await workOrdersOf(triggerId);
    const snapshotOf = (id: string) => rows.find((row) => row.id === id)!.snapshot_id;
    expect(edited.lock_version).toBe(2);
    expect(snapshotOf(first.body.work_order_id)).not.toBe(snapshotOf(second.body.work_order_id));
  });
});

describe('webhook ingestion when the database fails transiently', () => {
  let app: FastifyInstance;
  let baseUrl: string;
  let failuresLeft = 0;
  let calls = 0;

  beforeAll(async () => {
    // The same server context, but runs.createWorkOrder wrapped to fail like a dropped connection.
    const flaky: WebhookDependencies['createWorkOrder'] = async (...args) => {
      calls++;
      if (failuresLeft > 0) {
        failuresLeft--;
        throw Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        });
      }
      return createWorkOrder(...args);
    };
    app = Fastify();
    installErrorHandler(app);
    await registerWebhookRoutes(app, {
      db: db(),
      vault: server.vault,
      bus: server.bus,
      logger: server.app.log as never,
      maxBodyBytes: 1_000_000,
      retry: {
        maxAttempts: 4,
        initialDelayMs: 20,
        maxDelayMs: 100,
        backoffFactor: 2,
        timeoutMs: 5_000,
        jitter: true,
      },
      createWorkOrder: flaky,
    });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('retries with backoff and answers 200 once the database is back', async () => {
    const { triggerId } = await webhookWorkflow();
    failuresLeft = 2;
    calls = 0;
    const response = await fetch(`${baseUrl}/i/${triggerId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(calls).toBe(3);
    expect(await workOrdersOf(triggerId)).toHaveLength(1);
  });

  it('answers 503 with Retry-After when the retry budget is spent', async () => {
    const { triggerId } = await webhookWorkflow();
    failuresLeft = 100;
    calls = 0;
    const response = await fetch(`${baseUrl}/i/${triggerId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(calls).toBe(4);
    expect(await workOrdersOf(triggerId)).toHaveLength(0);
    failuresLeft = 0;
  });
});

describe.runIf(process.env.DATABASE_URL)('webhook ingestion across a real connection loss', () => {
  it('survives its database connection being terminated mid-insert', async () => {
    const { triggerId } = await webhookWorkflow();
    const admin = new pg.Client({ connectionString: server.testDatabase.url });
    await admin.connect();
    try {
      // Hold a lock so the webhook's insert waits, then kill the backend that waits on it: the
      // server sees "terminating connection due to administrator command" and must retry.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE work_orders IN ACCESS EXCLUSIVE MODE');
      const pending = post(`/i/${triggerId}`, { a: 1 });
      let killed = 0;
      for (let i = 0; i < 100 && killed === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const { rows } = await admin.query(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
        );
        killed = rows.length;
      }
      await admin.query('COMMIT');
      expect(killed).toBeGreaterThan(0);
      const { status, body } = await pending;
      expect(status).toBe(200);
      const rows = await workOrdersOf(triggerId);
      expect(rows.map((row) => row.id)).toEqual([body.work_order_id]);
    } finally {
      await admin.end();
    }
  });
});

describe('webhook reply after completion', () => {
  /** Finishes the trigger's (only) run as a worker would, with this final state, and announces it. */
  async function finishRun(triggerId: string, state: string, finalState: unknown) {
    let run: { id: string; work_order_id: string; project_id: string } | undefined;
    for (let i = 0; i < 200 && !run; i++) {
      [run] = await queryRows<{ id: string; work_order_id: string; project_id: string }>(
        db(),
        sql`SELECT r.id, r.work_order_id, d.project_id FROM runs r
            JOIN work_orders w ON w.id = r.work_order_id JOIN dataclips d ON d.id = w.dataclip_id
            WHERE w.trigger_id = ${triggerId}`,
      );
      if (!run) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const outputId = randomUUID();
    const stepId = randomUUID();
    await db().execute(sql`INSERT INTO dataclips (id, project_id, type, body)
      VALUES (${outputId}, ${run!.project_id}, 'step_result', ${JSON.stringify(finalState)}::jsonb)`);
    await db().execute(sql`INSERT INTO steps (id, job_id, output_dataclip_id, exit_reason, started_at, finished_at)
      VALUES (${stepId}, ${randomUUID()}, ${outputId}, 'success', now(), now())`);
    await db().execute(sql`INSERT INTO run_steps (run_id, step_id) VALUES (${run!.id}, ${stepId})`);
    await db().execute(sql`UPDATE runs SET state = ${state}, claimed_at = now(), started_at = now(),
      finished_at = now() WHERE id = ${run!.id}`);
    server.bus.publish({
      type: 'run_updated',
      runId: run!.id,
      workOrderId: run!.work_order_id,
      state,
    });
    return run!;
  }

  it("answers with the job's state.webhookResponse", async () => {
    const { triggerId } = await webhookWorkflow({ reply: 'after_completion' });
    const pending = post(`/i/${triggerId}`, { order: 1 });
    await finishRun(triggerId, 'success', {
      data: { order: 1 },
      webhookResponse: { status: 202, body: { accepted: true } },
    });
    const { status, body } = await pending;
    expect(status).toBe(202);
    expect(body).toEqual({ accepted: true });
  });

  it('answers 201 with the final state and meta on success, and withholds it on failure', async () => {
    const ok = await webhookWorkflow({ reply: 'after_completion' });
    const pendingOk = post(`/i/${ok.triggerId}`, {});
    const run = await finishRun(ok.triggerId, 'success', { data: { total: 3 } });
    const success = await pendingOk;
    expect(success.status).toBe(201);
    expect(success.body).toMatchObject({
      data: { data: { total: 3 } },
      meta: { work_order_id: run.work_order_id, run_id: run.id, state: 'success' },
    });

    const bad = await webhookWorkflow({ reply: 'after_completion' });
    const pendingBad = post(`/i/${bad.triggerId}`, {});
    await finishRun(bad.triggerId, 'failed', { data: { secret: 'patient list' } });
    const failure = await pendingBad;
    expect(failure.status).toBe(500);
    expect(JSON.stringify(failure.body)).not.toContain('patient list');
    expect(failure.body.meta.state).toBe('failed');
  });

  it('answers 504 with the work order id when the run does not finish in time', async () => {
    const app = Fastify();
    installErrorHandler(app);
    await registerWebhookRoutes(app, {
      db: db(),
      vault: server.vault,
      bus: server.bus,
      logger: server.app.log as never,
      maxBodyBytes: 1_000_000,
      retry: server.config.webhookRetry,
      createWorkOrder,
      replyTimeoutMs: 300,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { triggerId } = await webhookWorkflow({ reply: 'after_completion' });
      const response = await fetch(`${url}/i/${triggerId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(504);
      const body = (await response.json()) as { error: string; work_order_id: string };
      expect(body.error).toBe('timeout');
      expect((await workOrdersOf(triggerId)).map((w) => w.id)).toEqual([body.work_order_id]);
    } finally {
      await app.close();
    }
  });
});
