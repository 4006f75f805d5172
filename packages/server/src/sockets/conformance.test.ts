// Conformance of the server side of the worker protocol (spec/worker-protocol.md), error paths
// first: a scripted Phoenix client pushes what a buggy, outdated or hostile worker might, and
// every push gets the answer the spec gives — an error reply, a refused join or a closed socket —
// with nothing stored.
import { randomUUID } from 'node:crypto';
import { signRunToken } from '@lightning/protocol';
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from '../runs/test-fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { TestWorker } from './test-client.js';
import { readWorkerKeys, type WorkerKeys } from './worker-auth.js';

let server: TestServer;
let db: Database;
let keys: WorkerKeys;
let fixture: WorkflowFixture;
const workers: TestWorker[] = [];

beforeAll(async () => {
  server = await startTestServer({ MAX_DATACLIP_SIZE_MB: '1' });
  db = server.database.db;
  const read = readWorkerKeys(server.config);
  if (!read.ok) throw new Error(read.reason);
  keys = read.keys;
  fixture = await createWorkflowFixture(db);
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

/** A run claimed over the socket and its channel joined. */
async function joinedRun(worker: TestWorker) {
  await db.execute(sql`UPDATE runs SET state = 'cancelled' WHERE state = 'available'`);
  const created = await enqueueRun(db, fixture);
  await worker.join('worker:queue', {});
  const reply = await worker.push('worker:queue', 'claim', { demand: 1 });
  const [run] = (reply.response as { runs: Array<{ id: string; token: string }> }).runs;
  expect(run?.id).toBe(created.runId);
  const topic = `run:${created.runId}`;
  expect(await worker.join(topic, { token: run!.token })).toMatchObject({ status: 'ok' });
  return { ...created, topic };
}

const stored = async (runId: string) => {
  const [row] = await queryRows<{ state: string; steps: number; logs: number }>(
    db,
    sql`SELECT r.state,
               (SELECT count(*) FROM run_steps WHERE run_id = r.id)::int AS steps,
               (SELECT count(*) FROM log_lines WHERE run_id = r.id)::int AS logs
        FROM runs r WHERE r.id = ${runId}`,
  );
  return row;
};

const ts = () => (BigInt(Date.now()) * 1000n).toString();

describe('frames', () => {
  it('echoes the heartbeat ref on the phoenix topic', async () => {
    const worker = await connect();
    const reply = new Promise<unknown>((resolve) =>
      worker.socket.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    worker.send({ joinRef: null, ref: '42', topic: 'phoenix', event: 'heartbeat', payload: {} });
    expect(await reply).toEqual([
      null,
      '42',
      'phoenix',
      'phx_reply',
      { status: 'ok', response: {} },
    ]);
  });

  it('closes the socket, saying why, on a frame that is not a Phoenix frame', async () => {
    const worker = await connect();
    worker.socket.send('{"not":"a frame"}');
    const closed = await worker.closed;
    expect(closed.code).toBe(1003);
    expect(closed.reason).toMatch(/JSON array/);
  });

  it('closes the socket on a binary frame from a worker', async () => {
    const worker = await connect();
    worker.socket.send(Buffer.from([1, 2, 3]));
    expect((await worker.closed).code).toBe(1003);
  });
});

describe('worker:queue', () => {
  it('validates join and claim payloads in the changeset shape', async () => {
    const worker = await connect();
    expect(await worker.join('worker:queue', { capacity: -1 })).toMatchObject({
      status: 'error',
      response: { errors: { capacity: [expect.any(String)] } },
    });
    expect(await worker.join('worker:queue', { capacity: 2 })).toMatchObject({ status: 'ok' });
    expect(await worker.push('worker:queue', 'claim', { demand: 0 })).toMatchObject({
      status: 'error',
      response: { errors: { demand: [expect.any(String)] } },
    });
    expect(await worker.push('worker:queue', 'claim', {})).toMatchObject({
      response: { errors: { demand: ["can't be blank"] } },
    });
    expect(await worker.push('worker:queue', 'dance', {})).toMatchObject({ status: 'error' });
  });

  it('answers an empty list when there is nothing to claim', async () => {
    await db.execute(sql`UPDATE runs SET state = 'cancelled' WHERE state = 'available'`);
    const worker = await connect();
    await worker.join('worker:queue', {});
    expect(await worker.push('worker:queue', 'claim', { demand: 3, worker_name: '' })).toEqual({
      status: 'ok',
      response: { runs: [] },
      binary: false,
    });
  });

  it('treats a topic left with phx_leave as not joined', async () => {
    const worker = await connect();
    await worker.join('worker:queue', {});
    expect(await worker.push('worker:queue', 'phx_leave', {})).toMatchObject({ status: 'ok' });
    expect(await worker.push('worker:queue', 'claim', { demand: 1 })).toMatchObject({
      response: { reason: 'unmatched topic' },
    });
  });
});

describe('run:<id> joins', () => {
  it('says not_found for a well-signed token of a run that does not exist', async () => {
    const worker = await connect();
    const runId = randomUUID();
    const token = await signRunToken(keys.runsPrivateKey, runId, { ttlSeconds: 60 });
    expect(await worker.join(`run:${runId}`, { token })).toMatchObject({
      status: 'error',
      response: { reason: 'not_found' },
    });
  });

  it('says nbf_not_reached for a token not valid yet', async () => {
    const worker = await connect();
    const { runId } = await enqueueRun(db, fixture);
    const token = await signRunToken(keys.runsPrivateKey, runId, {
      ttlSeconds: 60,
      now: new Date(Date.now() + 600_000),
    });
    expect(await worker.join(`run:${runId}`, { token })).toMatchObject({
      response: { reason: 'nbf_not_reached' },
    });
  });

  it('refuses a valid token for a run nobody claimed', async () => {
    const worker = await connect();
    const { runId } = await enqueueRun(db, fixture);
    const token = await signRunToken(keys.runsPrivateKey, runId, { ttlSeconds: 60 });
    expect(await worker.join(`run:${runId}`, { token })).toMatchObject({
      response: { reason: 'unauthorized' },
    });
  });
});

describe('run events', () => {
  it('refuses out-of-order and conflicting events, storing nothing', async () => {
    const worker = await connect();
    const { runId, topic } = await joinedRun(worker);
    // A step that never started.
    expect(
      await worker.push(topic, 'step:complete', { step_id: randomUUID(), reason: 'success' }),
    ).toMatchObject({
      status: 'error',
      response: { errors: { step_id: ['not found in this run'] } },
    });
    // A job that is not in the run's snapshot.
    expect(
      await worker.push(topic, 'step:start', { step_id: randomUUID(), job_id: randomUUID() }),
    ).toMatchObject({ status: 'error', response: { errors: { job_id: [expect.any(String)] } } });
    // One bad line refuses the whole batch.
    expect(
      await worker.push(topic, 'run:batch_logs', {
        run_id: runId,
        logs: [
          { message: ['fine'], level: 'info', timestamp: ts() },
          { message: ['bad'], level: 'loud', timestamp: ts() },
        ],
      }),
    ).toMatchObject({
      status: 'error',
      response: { errors: { 'logs.1.level': [expect.any(String)] } },
    });
    // A log line of a step of another run.
    expect(
      await worker.push(topic, 'run:log', {
        message: ['x'],
        step_id: randomUUID(),
        timestamp: ts(),
      }),
    ).toMatchObject({ status: 'error' });
    expect(await stored(runId)).toEqual({ state: 'claimed', steps: 0, logs: 0 });
  });

  it('acknowledges an exact repeat of step:complete once more, storing it once', async () => {
    const worker = await connect();
    const { runId, topic } = await joinedRun(worker);
    await worker.push(topic, 'run:start', {});
    const stepId = randomUUID();
    await worker.push(topic, 'step:start', { step_id: stepId, job_id: fixture.jobIds[0] });
    const complete = {
      step_id: stepId,
      reason: 'success',
      output_dataclip_id: randomUUID(),
      output_dataclip: '{"data":{}}',
    };
    expect(await worker.push(topic, 'step:complete', complete)).toMatchObject({ status: 'ok' });
    expect(await worker.push(topic, 'step:complete', complete)).toMatchObject({ status: 'ok' });
    expect(
      await worker.push(topic, 'step:complete', { ...complete, reason: 'fail' }),
    ).toMatchObject({ status: 'error' });
    expect(await stored(runId)).toEqual({ state: 'started', steps: 1, logs: 0 });
  });

  it('stores a dataclip near MAX_DATACLIP_SIZE_MB and refuses one over it with an error reply', async () => {
    const worker = await connect();
    const { topic } = await joinedRun(worker);
    await worker.push(topic, 'run:start', {});
    const stepId = randomUUID();
    await worker.push(topic, 'step:start', { step_id: stepId, job_id: fixture.jobIds[0] });
    const over = await worker.push(topic, 'step:complete', {
      step_id: stepId,
      reason: 'success',
      output_dataclip_id: randomUUID(),
      output_dataclip: JSON.stringify({ data: 'x'.repeat(1_000_100) }),
    });
    expect(over).toMatchObject({
      status: 'error',
      response: { errors: { output_dataclip: [expect.stringMatching(/MAX_DATACLIP_SIZE_MB/)] } },
    });
    const near = await worker.push(topic, 'step:complete', {
      step_id: stepId,
      reason: 'success',
      output_dataclip_id: randomUUID(),
      output_dataclip: JSON.stringify({ data: 'x'.repeat(900_000) }),
    });
    expect(near).toMatchObject({ status: 'ok' });
  });

  it('takes the late events of a run the lost-run sweep marked lost, then refuses any more', async () => {
    const worker = await connect();
    const { runId, topic } = await joinedRun(worker);
    await db.execute(sql`UPDATE runs SET state = 'lost', error_type = 'LostAfterClaim',
                                         finished_at = now() WHERE id = ${runId}`);
    // The worker was alive after all: its events correct the run (the late-event correction).
    expect(await worker.push(topic, 'run:start', {})).toMatchObject({ status: 'ok' });
    expect(
      await worker.push(topic, 'run:log', {
        message: ['late'],
        timestamp: (BigInt(Date.now()) * 1000n).toString(),
      }),
    ).toMatchObject({ status: 'ok' });
    const complete = { reason: 'success', error_type: null, error_message: null };
    expect(await worker.push(topic, 'run:complete', complete)).toMatchObject({ status: 'ok' });
    const [run] = await queryRows<{ state: string; has_lost_at: boolean }>(
      db,
      sql`SELECT state, lost_at IS NOT NULL AS has_lost_at FROM runs WHERE id = ${runId}`,
    );
    expect(run).toEqual({ state: 'success', has_lost_at: true });
    // Finished for real now: the usual refusal.
    expect(await worker.push(topic, 'run:complete', { reason: 'crash' })).toMatchObject({
      status: 'error',
      response: { errors: { state: ['already in completed state (success)'] } },
    });
  });
});
