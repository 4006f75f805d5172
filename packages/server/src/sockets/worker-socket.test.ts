// The worker socket against a real server on a random port, driven by a real `ws` client
// speaking Phoenix v2: a whole run from claim to completion, and every refusal on the way.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { signRunToken, signWorkerToken, verifyRunToken } from '@lightning/protocol';
import { eq, sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from '../runs/test-fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { socketUrl, TestWorker, UpgradeRefused } from './test-client.js';
import { readWorkerKeys, type WorkerKeys } from './worker-auth.js';

let server: TestServer;
let db: Database;
let keys: WorkerKeys;
let fixture: WorkflowFixture;
const workers: TestWorker[] = [];

beforeAll(async () => {
  server = await startTestServer({ WORKER_MAX_RUN_DURATION_SECONDS: '120' });
  db = server.database.db;
  const read = readWorkerKeys(server.config);
  if (!read.ok) throw new Error(read.reason);
  keys = read.keys;
  fixture = await createWorkflowFixture(db, {
    credentialBody: { baseUrl: 'https://example.com', password: 'p' },
    vault: server.vault,
  });
});
afterAll(async () => {
  for (const worker of workers) worker.close();
  await server?.close();
});

async function connect(): Promise<TestWorker> {
  const worker = await TestWorker.connect(server.baseUrl, keys.secret);
  workers.push(worker);
  return worker;
}

/** Enqueues a run (every other available run cancelled first) and claims it over the socket. */
async function claimOne(worker: TestWorker) {
  await db.execute(sql`UPDATE runs SET state = 'cancelled' WHERE state = 'available'`);
  const created = await enqueueRun(db, fixture);
  expect(await worker.join('worker:queue', { capacity: 1, queues: { 'manual>*': 1 } })).toEqual({
    status: 'ok',
    response: {},
    binary: false,
  });
  const reply = await worker.push('worker:queue', 'claim', {
    demand: 1,
    worker_name: 'test-worker',
    queues: ['manual', '*'],
  });
  const { runs } = reply.response as { runs: Array<{ id: string; token: string }> };
  expect(runs.map((run) => run.id)).toEqual([created.runId]);
  return { ...created, token: runs[0]!.token };
}

const ts = () => (BigInt(Date.now()) * 1000n).toString();

describe('connecting', () => {
  it('refuses the upgrade without a token or with a token of another secret (401)', async () => {
    await expect(TestWorker.open(socketUrl(server.baseUrl, ''))).rejects.toEqual(
      new UpgradeRefused(401),
    );
    const forged = await signWorkerToken('not-the-secret', 'intruder');
    await expect(TestWorker.open(socketUrl(server.baseUrl, forged))).rejects.toEqual(
      new UpgradeRefused(401),
    );
  });

  it('answers heartbeats and refuses pushes to topics not joined', async () => {
    const worker = await connect();
    expect(await worker.push('phoenix', 'heartbeat', {}, null)).toMatchObject({ status: 'ok' });
    expect(await worker.push('worker:queue', 'claim', { demand: 1 })).toEqual({
      status: 'error',
      response: { reason: 'unmatched topic' },
      binary: false,
    });
    expect(await worker.join('elsewhere:1', {})).toMatchObject({
      status: 'error',
      response: { reason: 'unmatched topic' },
    });
  });

  it('closes the socket, with the reason, on a frame over the hard cap of 64 MiB', async () => {
    const worker = await connect();
    worker.socket.send('x'.repeat(64 * 1024 * 1024 + 1));
    expect(await worker.closed).toEqual({ code: 1009, reason: 'frame larger than 67108864 bytes' });
  });

  it('closes the socket on a frame whose refs cannot be read, with the reason', async () => {
    const worker = await connect();
    worker.socket.send('not a frame');
    expect(await worker.closed).toMatchObject({
      code: 1003,
      reason: expect.stringMatching(/JSON/),
    });
  });
});

describe('oversized and invalid frames', () => {
  it('refuses an event over 11 MB on its run channel; the socket and the other run carry on', async () => {
    const worker = await connect();
    const a = await claimOne(worker);
    const b = await claimOne(worker);
    for (const run of [a, b]) {
      expect(await worker.join(`run:${run.runId}`, { token: run.token })).toMatchObject({
        status: 'ok',
      });
      expect(await worker.push(`run:${run.runId}`, 'run:start', { timestamp: ts() })).toMatchObject(
        { status: 'ok' },
      );
    }
    const line = { message: ['y'.repeat(12_000_000)], timestamp: ts() };
    const big = JSON.stringify(['1', 'big-1', `run:${a.runId}`, 'run:log', line]);
    expect(await worker.sendRaw(big, 'big-1')).toEqual({
      status: 'error',
      response: {
        reason: 'frame_too_large',
        errors: { frame: [`frame is ${big.length} bytes; the limit is 11000000 bytes`] },
      },
      binary: false,
    });
    // The same socket still serves both runs.
    const small = { message: ['fine'], timestamp: ts() };
    for (const run of [a, b]) {
      expect(await worker.push(`run:${run.runId}`, 'run:log', small)).toMatchObject({
        status: 'ok',
      });
    }
    expect(
      await worker.push(`run:${b.runId}`, 'run:complete', {
        reason: 'success',
        error_type: null,
        error_message: null,
        timestamp: ts(),
      }),
    ).toMatchObject({ status: 'ok' });
    const rows = await queryRows<{ run_id: string; message: string }>(
      db,
      sql`SELECT run_id::text AS run_id, message FROM log_lines
          WHERE run_id IN (${a.runId}, ${b.runId}) ORDER BY run_id`,
    );
    expect(rows.map((row) => row.message)).toEqual(['fine', 'fine']);
    const [run] = await db.select().from(schema.runs).where(eq(schema.runs.id, b.runId));
    expect(run!.state).toBe('success');
  });

  it('refuses a frame whose payload is not JSON, by its ref, and keeps the socket', async () => {
    const worker = await connect();
    const { runId, token } = await claimOne(worker);
    const topic = `run:${runId}`;
    await worker.join(topic, { token });
    const reply = await worker.sendRaw(`["1","bad-1","${topic}","run:log",{"message":[`, 'bad-1');
    expect(reply).toMatchObject({
      status: 'error',
      response: { reason: 'invalid_frame', errors: { frame: [expect.stringMatching(/not JSON/)] } },
    });
    expect(await worker.push('phoenix', 'heartbeat', {}, null)).toMatchObject({ status: 'ok' });
  });
});

describe('a run over the socket', () => {
  it('claims, fetches and reports a whole run, all stored', async () => {
    const worker = await connect();
    const { runId, workOrderId, dataclipId, token } = await claimOne(worker);
    const claims = await verifyRunToken(keys.runsPublicKey, token, { runId });
    expect(claims.ok).toBe(true);
    if (claims.ok) {
      // Valid for the run timeout (120 s here) plus the grace period (10 s).
      expect(claims.value.exp - (claims.value.iat ?? 0)).toBeGreaterThanOrEqual(130);
    }

    const topic = `run:${runId}`;
    expect(await worker.join(topic, { token })).toMatchObject({ status: 'ok' });
    const plan = await worker.push(topic, 'fetch:plan', {});
    expect(plan).toMatchObject({
      status: 'ok',
      response: {
        id: runId,
        dataclip_id: dataclipId,
        starting_node_id: fixture.triggerId,
        options: { run_timeout_ms: 120_000 },
      },
    });
    const dataclip = await worker.push(topic, 'fetch:dataclip', { id: dataclipId });
    expect(dataclip.binary).toBe(true);
    expect(JSON.parse((dataclip.response as Buffer).toString('utf8'))).toMatchObject({
      data: { n: 1 },
      request: { method: 'POST' },
    });
    expect(await worker.push(topic, 'fetch:credential', { id: fixture.credentialId })).toEqual({
      status: 'ok',
      response: { baseUrl: 'https://example.com', password: 'p' },
      binary: false,
    });

    const ok = { status: 'ok', response: {}, binary: false };
    expect(
      await worker.push(topic, 'run:start', {
        versions: { worker: '1.0.0', node: process.versions.node },
        timestamp: ts(),
      }),
    ).toEqual(ok);
    const stepA = randomUUID();
    const outputA = randomUUID();
    expect(
      await worker.push(topic, 'step:start', {
        step_id: stepA,
        job_id: fixture.jobIds[0],
        input_dataclip_id: dataclipId,
        timestamp: ts(),
      }),
    ).toEqual(ok);
    expect(
      await worker.push(topic, 'run:log', {
        run_id: runId,
        step_id: stepA,
        message: ['hello', { n: 1 }],
        source: 'JOB',
        level: 'info',
        timestamp: ts(),
      }),
    ).toEqual(ok);
    expect(
      await worker.push(topic, 'run:batch_logs', {
        run_id: runId,
        logs: [
          { message: ['one'], source: 'R/T', level: 'debug', timestamp: ts(), step_id: stepA },
          { message: ['two'], source: 'R/T', level: 'success', timestamp: Date.now() },
        ],
      }),
    ).toEqual(ok);
    expect(
      await worker.push(topic, 'step:complete', {
        step_id: stepA,
        job_id: fixture.jobIds[0],
        reason: 'success',
        error_type: null,
        error_message: null,
        output_dataclip_id: outputA,
        output_dataclip: JSON.stringify({ data: { n: 2 } }),
        mem: { job: 1, system: 2 },
        duration: 12,
        thread_id: 1,
        timestamp: ts(),
      }),
    ).toEqual(ok);
    expect(
      await worker.push(topic, 'run:complete', {
        reason: 'success',
        error_type: null,
        error_message: null,
        timestamp: ts(),
        final_state: { data: { n: 2 } },
        final_dataclip_id: outputA,
      }),
    ).toEqual(ok);
    expect(await worker.push(topic, 'phx_leave', {})).toEqual(ok);

    const [run] = await db.select().from(schema.runs).where(eq(schema.runs.id, runId));
    expect(run).toMatchObject({ state: 'success', workerName: 'test-worker' });
    const [workOrder] = await db
      .select()
      .from(schema.workOrders)
      .where(eq(schema.workOrders.id, workOrderId));
    expect(workOrder!.state).toBe('success');
    const [step] = await db.select().from(schema.steps).where(eq(schema.steps.id, stepA));
    expect(step).toMatchObject({ exitReason: 'success', outputDataclipId: outputA });
    const [output] = await db
      .select()
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, outputA));
    expect(output!.body).toEqual({ data: { n: 2 } });
    const [logs] = await queryRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM log_lines WHERE run_id = ${runId}`,
    );
    expect(logs!.n).toBe(3);
  });

  it('pushes work-available when a run is enqueued, at most once per 500 ms', async () => {
    const worker = await connect();
    expect(await worker.join('worker:queue', {})).toMatchObject({ status: 'ok' });
    for (let i = 0; i < 5; i++) await enqueueRun(db, fixture).then(() => {});
    // enqueueRun does not publish; the server's bus does when work orders come from webhooks.
    for (let i = 0; i < 5; i++) {
      server.bus.publish({
        type: 'run_available',
        runId: randomUUID(),
        workflowId: fixture.workflowId,
        queue: 'default',
      });
    }
    const first = await worker.nextPush('work-available');
    expect(first).toMatchObject({ topic: 'worker:queue', payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 700));
    // The burst of five collapsed into the first push and at most one trailing one.
    expect(worker.pushes.filter((frame) => frame.event === 'work-available').length).toBeLessThan(
      2,
    );
  });

  it('refuses a run token for another run, an expired one and a forged one', async () => {
    const worker = await connect();
    const { runId, token } = await claimOne(worker);
    const unauthorized = { status: 'error', response: { reason: 'unauthorized' }, binary: false };
    expect(await worker.join(`run:${randomUUID()}`, { token })).toEqual(unauthorized);
    const expired = await signRunToken(keys.runsPrivateKey, runId, {
      ttlSeconds: 60,
      now: new Date(Date.now() - 3_600_000),
    });
    expect(await worker.join(`run:${runId}`, { token: expired })).toEqual(unauthorized);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await signRunToken(otherKey, runId, { ttlSeconds: 60 });
    expect(await worker.join(`run:${runId}`, { token: forged })).toEqual(unauthorized);
    expect(await worker.join(`run:${runId}`, {})).toEqual(unauthorized);
    // Not joined, so events on the run's topic are unmatched.
    expect(await worker.push(`run:${runId}`, 'run:start', {})).toMatchObject({
      response: { reason: 'unmatched topic' },
    });
  });

  it('answers an invalid payload with the field errors and stores nothing', async () => {
    const worker = await connect();
    const { runId, token } = await claimOne(worker);
    const topic = `run:${runId}`;
    await worker.join(topic, { token });
    expect(await worker.push(topic, 'step:start', { job_id: fixture.jobIds[0] })).toEqual({
      status: 'error',
      response: { errors: { step_id: ["can't be blank"] } },
      binary: false,
    });
    expect(await worker.push(topic, 'run:complete', { reason: 'lost' })).toMatchObject({
      status: 'error',
      response: { errors: { reason: [expect.stringMatching(/must be one of/)] } },
    });
    expect(
      await worker.push(topic, 'run:log', {
        run_id: randomUUID(),
        message: ['x'],
        timestamp: ts(),
      }),
    ).toMatchObject({ status: 'error', response: { errors: { run_id: expect.any(Array) } } });
    expect(await worker.push(topic, 'fetch:credential', { id: randomUUID() })).toEqual({
      status: 'error',
      response: { errors: { id: ['Credential not found!'] } },
      binary: false,
    });
    expect(await worker.push(topic, 'run:dance', {})).toMatchObject({ status: 'error' });
    const [run] = await db.select().from(schema.runs).where(eq(schema.runs.id, runId));
    expect(run!.state).toBe('claimed');
    const [counts] = await queryRows<{ steps: number; logs: number }>(
      db,
      sql`SELECT (SELECT count(*) FROM run_steps WHERE run_id = ${runId})::int AS steps,
                 (SELECT count(*) FROM log_lines WHERE run_id = ${runId})::int AS logs`,
    );
    expect(counts).toEqual({ steps: 0, logs: 0 });
  });

  it('refuses events for a finished run, but acknowledges the same completion again', async () => {
    const worker = await connect();
    const { runId, token } = await claimOne(worker);
    const topic = `run:${runId}`;
    await worker.join(topic, { token });
    await worker.push(topic, 'run:start', {});
    const complete = { reason: 'crash', error_type: 'CompileError', error_message: 'bad' };
    expect(await worker.push(topic, 'run:complete', complete)).toMatchObject({ status: 'ok' });
    expect(await worker.push(topic, 'run:complete', complete)).toMatchObject({ status: 'ok' });
    expect(await worker.push(topic, 'run:complete', { reason: 'success' })).toMatchObject({
      status: 'error',
      response: { errors: { state: ['already in completed state (crashed)'] } },
    });
    expect(
      await worker.push(topic, 'run:log', { message: ['late'], timestamp: ts() }),
    ).toMatchObject({ status: 'error' });
    const [run] = await db.select().from(schema.runs).where(eq(schema.runs.id, runId));
    expect(run).toMatchObject({ state: 'crashed', errorType: 'CompileError' });
  });
});
