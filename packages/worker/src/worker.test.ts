// The worker end to end against a scripted server: the real socket client, claim loop, run
// handler and warm pool, running real @openfn/language-common jobs.
import { randomUUID } from 'node:crypto';
import { generateWorkerKeys, runPushSchemas, validatePayload } from '@lightning/protocol';
import { installAdaptor } from '@lightning/runtime';
import { silentLogger } from './logger.js';
import { ensureBuilt } from './test-support/build-packages.js';
import { ADAPTORS_DIR, COMMON } from './test-support/pool-fixtures.js';
import {
  type FakeLightning,
  type PushOverride,
  type ReceivedPush,
  startFakeLightning,
} from './testing/fake-lightning.js';
import { lightningPlan, type TestJob } from './testing/plans.js';
import { type LoggedLine, recordingLogger } from './testing/recording-logger.js';
import { createWorker, type Worker, type WorkerOptions } from './worker.js';

const secret = 'worker-test-secret';
let server: FakeLightning;
let worker: Worker;
/** Per-run fault injection on the shared server, keyed by `run:<id>`. */
const intercepts = new Map<
  string,
  (push: ReceivedPush, attempt: number) => PushOverride | undefined
>();

function workerOptions(url: string, overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return {
    serviceUrl: url,
    secret,
    capacity: 2,
    name: 'test-worker',
    adaptorsDir: ADAPTORS_DIR,
    maxRunMemoryMb: 256,
    // Limits far above what these runs and replies take, so a busy machine never reaches them;
    // the test of the retry window sets its own.
    maxRunDurationSeconds: 300,
    logger: silentLogger,
    messageTimeoutMs: 60_000,
    retryWindowMs: 120_000,
    reconnectDelayMs: () => 50,
    ...overrides,
  };
}

beforeAll(async () => {
  await ensureBuilt();
  await installAdaptor(COMMON, { adaptorsDir: ADAPTORS_DIR });
  server = await startFakeLightning({
    secret,
    intercept: (push, attempt) => intercepts.get(push.topic)?.(push, attempt),
  });
  worker = createWorker(workerOptions(server.url));
  await worker.start();
  await server.waitForQueueJoin();
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

function enqueue(
  jobs: TestJob[],
  extra: {
    options?: Record<string, unknown>;
    dataclip?: unknown;
    credentials?: Record<string, Record<string, unknown>>;
  } = {},
): { id: string; plan: Record<string, unknown> } {
  const id = randomUUID();
  const plan = lightningPlan(id, jobs, extra.options);
  server.enqueue({ id, plan, dataclip: extra.dataclip, credentials: extra.credentials });
  return { id, plan };
}

/** Events of a run, with retried duplicates removed (the server acknowledges repeats). */
function eventsOf(runId: string): ReceivedPush[] {
  const seen = new Set<string>();
  return server.runPushes(runId).filter((push) => {
    const key = `${push.event} ${JSON.stringify(push.payload)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function finished(runId: string): Promise<ReceivedPush[]> {
  await server.waitForCompletion(runId);
  while (!server.runPushes(runId).some((p) => p.event === 'phx_leave')) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const events = eventsOf(runId);
  for (const push of events) {
    const schema = runPushSchemas[push.event as keyof typeof runPushSchemas];
    expect(schema, push.event).toBeDefined();
    const valid = validatePayload(schema, push.payload);
    expect(valid.ok, `${push.event}: ${JSON.stringify(valid)}`).toBe(true);
  }
  return events;
}

const named = (events: ReceivedPush[], event: string) => events.filter((e) => e.event === event);
const logText = (events: ReceivedPush[]) =>
  named(events, 'run:batch_logs')
    .flatMap((e) => e.payload.logs as { message: unknown[] }[])
    .concat(named(events, 'run:log').map((e) => e.payload as { message: unknown[] }))
    .map((line) => line.message.join(' '))
    .join('\n');

describe('a worker running claimed runs', () => {
  it('runs a two-step workflow and reports every event in order', async () => {
    const { id, plan } = enqueue(
      [
        {
          id: 'double',
          body: 'fn(s => { console.log("doubling", s.data.n); return { data: { n: s.data.n * 2 } }; })',
        },
        { id: 'inc', body: 'fn(s => ({ data: { n: s.data.n + 1 } }))' },
      ],
      { dataclip: { data: { n: 20 } } },
    );
    const events = await finished(id);
    const order = events.map((e) => e.event).filter((e) => e !== 'run:batch_logs');
    expect(order).toEqual([
      'phx_join',
      'fetch:plan',
      'fetch:dataclip',
      'run:start',
      'step:start',
      'step:complete',
      'step:start',
      'step:complete',
      'run:complete',
      'phx_leave',
    ]);
    expect(named(events, 'fetch:dataclip')[0]!.payload).toEqual({ id: plan.dataclip_id });

    const [start1, start2] = named(events, 'step:start').map((e) => e.payload);
    const [done1, done2] = named(events, 'step:complete').map((e) => e.payload);
    expect(start1).toMatchObject({ job_id: 'double', input_dataclip_id: plan.dataclip_id });
    expect(done1).toMatchObject({ step_id: start1!.step_id, reason: 'success', error_type: null });
    expect(JSON.parse(done1!.output_dataclip as string)).toEqual({ data: { n: 40 } });
    expect(start2).toMatchObject({ job_id: 'inc', input_dataclip_id: done1!.output_dataclip_id });
    expect(JSON.parse(done2!.output_dataclip as string)).toEqual({ data: { n: 41 } });

    const complete = named(events, 'run:complete')[0]!.payload;
    expect(complete).toMatchObject({
      reason: 'success',
      error_type: null,
      error_message: null,
      final_state: { data: { n: 41 } },
      final_dataclip_id: done2!.output_dataclip_id,
    });
    const runStart = named(events, 'run:start')[0]!.payload;
    expect(runStart.versions).toMatchObject({ '@openfn/language-common': ['3.3.4'] });
    expect((runStart.versions as Record<string, unknown>).worker).toEqual(expect.any(String));
    expect(logText(events)).toContain('doubling 20');
  });

  it('reports a failing job as fail with its error', async () => {
    const { id } = enqueue([{ id: 'boom', body: 'fn(() => { throw new Error("it broke"); })' }]);
    const events = await finished(id);
    expect(named(events, 'step:complete')[0]!.payload).toMatchObject({
      reason: 'fail',
      error_type: 'JobError',
    });
    expect(named(events, 'run:complete')[0]!.payload).toMatchObject({
      reason: 'fail',
      error_type: 'JobError',
      error_message: expect.stringContaining('it broke'),
    });
  });

  it('fetches credentials from the server and keeps them out of the outputs', async () => {
    const credentialId = randomUUID();
    const { id } = enqueue(
      [
        {
          id: 'who',
          body: 'fn(s => ({ data: { user: s.configuration.user } }))',
          credential_id: credentialId,
        },
      ],
      { credentials: { [credentialId]: { user: 'ana', password: 'worker-test-password' } } },
    );
    const events = await finished(id);
    expect(named(events, 'fetch:credential')[0]!.payload).toEqual({ id: credentialId });
    expect(named(events, 'run:complete')[0]!.payload).toMatchObject({
      reason: 'success',
      final_state: { data: { user: 'ana' } },
    });
    expect(JSON.stringify(events.filter((e) => e.event !== 'fetch:credential'))).not.toContain(
      'worker-test-password',
    );
  });

  it('ends exception/CredentialLoadError when the server has no such credential', async () => {
    const { id } = enqueue([{ id: 'who', body: 'fn(s => s)', credential_id: 'missing' }]);
    const events = await finished(id);
    expect(named(events, 'run:complete')[0]!.payload).toMatchObject({
      reason: 'exception',
      error_type: 'CredentialLoadError',
    });
  });

  it('does not send outputs when the plan says output_dataclips: false', async () => {
    const { id } = enqueue([{ id: 'a', body: 'fn(s => ({ data: { secret: 1 } }))' }], {
      options: { output_dataclips: false },
    });
    const events = await finished(id);
    const done = named(events, 'step:complete')[0]!.payload;
    expect(done).not.toHaveProperty('output_dataclip');
    expect(done.output_dataclip_id).toEqual(expect.any(String));
  });

  it('ends exception/DataClipError, without running anything, when the dataclip cannot be loaded', async () => {
    const { id } = enqueue([{ id: 'a', body: 'fn(s => s)' }]);
    intercepts.set(`run:${id}`, (push) =>
      push.event === 'fetch:dataclip'
        ? { reply: 'error', response: { reason: 'not_found' } }
        : undefined,
    );
    const events = await finished(id);
    expect(events.map((e) => e.event).filter((e) => e !== 'run:batch_logs')).toEqual([
      'phx_join',
      'fetch:plan',
      'fetch:dataclip',
      'run:start',
      'run:complete',
      'phx_leave',
    ]);
    expect(named(events, 'run:complete')[0]!.payload).toMatchObject({
      reason: 'exception',
      error_type: 'DataClipError',
    });
  });

  it('withholds an output too large for one socket frame instead of losing the run', async () => {
    const { id } = enqueue([
      { id: 'big', body: 'fn(s => ({ data: String.fromCharCode(1).repeat(2000000) }))' },
    ]);
    const events = await finished(id);
    expect(named(events, 'step:complete')[0]!.payload).toMatchObject({
      reason: 'success',
      output_dataclip_error: 'DATACLIP_TOO_LARGE',
    });
    expect(logText(events)).toMatch(/frame limit/);
    const complete = named(events, 'run:complete')[0]!.payload;
    expect(complete).toMatchObject({ reason: 'success' });
    expect(complete).not.toHaveProperty('final_state');
  });

  it('logs an error reply to an event and still finishes the run', async () => {
    const { id } = enqueue([{ id: 'a', body: 'fn(s => s)' }]);
    intercepts.set(`run:${id}`, (push) =>
      push.event === 'step:complete'
        ? { reply: 'error', response: { errors: { step_id: ['nope'] } } }
        : undefined,
    );
    const events = await finished(id);
    expect(named(events, 'step:complete')).toHaveLength(1);
    expect(named(events, 'run:complete')[0]!.payload).toMatchObject({ reason: 'success' });
  });

  it('resends the event cut off by a dropped socket after reconnecting, and finishes the run', async () => {
    const { id } = enqueue([
      { id: 'a', body: 'fn(s => ({ data: { step: "a" } }))' },
      { id: 'b', body: 'fn(s => ({ data: { step: "b" } }))' },
    ]);
    const connectionsBefore = server.stats.connections;
    intercepts.set(`run:${id}`, (push, attempt) =>
      push.event === 'step:complete' && attempt === 1 && push.payload.job_id === 'a'
        ? { dropSocket: true }
        : undefined,
    );
    const events = await finished(id);
    expect(server.stats.connections).toBeGreaterThan(connectionsBefore);
    // Both attempts of the first step:complete reached the server, with the same payload.
    const raw = server.runPushes(id).filter((p) => p.event === 'step:complete');
    expect(raw).toHaveLength(3);
    expect(raw[0]).toEqual(raw[1]);
    expect(named(server.runPushes(id), 'phx_join').length).toBe(2);
    const order = events
      .map((e) => e.event)
      .filter((e) => e === 'step:start' || e === 'step:complete' || e === 'run:complete');
    expect(order).toEqual([
      'step:start',
      'step:complete',
      'step:start',
      'step:complete',
      'run:complete',
    ]);
    expect(named(events, 'run:complete')[0]!.payload).toMatchObject({ reason: 'success' });
  });
});

describe('run tokens', () => {
  it('runs runs whose token verifies with WORKER_LIGHTNING_PUBLIC_KEY', async () => {
    const keys = generateWorkerKeys();
    const signed = await startFakeLightning({
      secret,
      runsPrivateKey: keys.WORKER_RUNS_PRIVATE_KEY,
    });
    const good = createWorker(
      workerOptions(signed.url, {
        capacity: 1,
        lightningPublicKey: keys.WORKER_LIGHTNING_PUBLIC_KEY,
      }),
    );
    try {
      await good.start();
      const id = randomUUID();
      signed.enqueue({ id, plan: lightningPlan(id, [{ id: 'a', body: 'fn(s => s)' }]) });
      await expect(signed.waitForCompletion(id)).resolves.toMatchObject({ reason: 'success' });
    } finally {
      await good.stop();
      await signed.close();
    }
  });

  it('on a token that does not verify, ends that one run as exception naming the key, and stops claiming', async () => {
    const keys = generateWorkerKeys();
    const other = generateWorkerKeys();
    const signed = await startFakeLightning({
      secret,
      runsPrivateKey: keys.WORKER_RUNS_PRIVATE_KEY,
    });
    // Both runs wait before the worker connects, so its first claim could take both.
    const [refusedId, untouchedId] = [randomUUID(), randomUUID()];
    for (const id of [refusedId, untouchedId]) {
      signed.enqueue(
        { id, plan: lightningPlan(id, [{ id: 'a', body: 'fn(s => s)' }]) },
        { notify: false },
      );
    }
    let reportFatal!: (error: Error) => void;
    const fatal = new Promise<Error>((resolve) => {
      reportFatal = resolve;
    });
    const wrong = createWorker(
      workerOptions(signed.url, {
        capacity: 2,
        lightningPublicKey: other.WORKER_LIGHTNING_PUBLIC_KEY,
        onFatalError: reportFatal,
      }),
    );
    const good = createWorker(
      workerOptions(signed.url, {
        capacity: 1,
        lightningPublicKey: keys.WORKER_LIGHTNING_PUBLIC_KEY,
      }),
    );
    try {
      await wrong.start();
      expect((await fatal).message).toMatch(/WORKER_LIGHTNING_PUBLIC_KEY/);
      const complete = await signed.waitForCompletion(refusedId);
      expect(complete).toMatchObject({ reason: 'exception', error_type: 'RunTokenError' });
      expect(complete.error_message).toMatch(
        /WORKER_LIGHTNING_PUBLIC_KEY does not verify the run token: it is not the public half of the server's WORKER_RUNS_PRIVATE_KEY/,
      );
      // Nothing of the run was fetched, and the other run was never claimed.
      expect(signed.runPushes(refusedId).map((push) => push.event)).not.toContain('fetch:plan');
      expect(signed.runPushes(untouchedId)).toEqual([]);
      await wrong.stop();

      await good.start();
      await expect(signed.waitForCompletion(untouchedId)).resolves.toMatchObject({
        reason: 'success',
      });
    } finally {
      await wrong.stop();
      await good.stop();
      await signed.close();
    }
  });
});

describe('stopping', () => {
  it('stops claiming, finishes the active run, then leaves and disconnects', async () => {
    const own = await startFakeLightning({ secret });
    const stopping = createWorker(workerOptions(own.url, { capacity: 1 }));
    try {
      await stopping.start();
      await own.waitForQueueJoin();
      const id = randomUUID();
      own.enqueue({
        id,
        plan: lightningPlan(id, [
          { id: 'slow', body: 'fn(s => new Promise(r => setTimeout(() => r(s), 400)))' },
        ]),
      });
      while (!own.runPushes(id).some((p) => p.event === 'step:start')) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const claimsBefore = own.stats.claims;
      await stopping.stop();
      expect(
        own
          .runPushes(id)
          .map((p) => p.event)
          .slice(-2),
      ).toEqual(['run:complete', 'phx_leave']);
      expect(own.pushes.at(-1)).toMatchObject({ topic: 'worker:queue', event: 'phx_leave' });
      expect(own.stats.claims).toBe(claimsBefore);
      expect(stopping.status()).toMatchObject({ isConnected: false, activeRuns: 0 });
    } finally {
      await stopping.stop();
      await own.close();
    }
  });
});

describe('a server that goes away for good', () => {
  it('gives the run up after the retry window and frees its slot, without hanging', async () => {
    const own = await startFakeLightning({ secret });
    let closing: Promise<void> | undefined;
    const lines: LoggedLine[] = [];
    const lonely = createWorker(
      workerOptions(own.url, {
        capacity: 1,
        messageTimeoutMs: 5000,
        retryWindowMs: 1000,
        logger: recordingLogger(lines),
      }),
    );
    try {
      await lonely.start();
      await own.waitForQueueJoin();
      const id = randomUUID();
      own.enqueue({ id, plan: lightningPlan(id, [{ id: 'a', body: 'fn(s => s)' }]) });
      while (!own.runPushes(id).some((p) => p.event === 'run:start')) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      closing = own.close();
      while (lonely.status().activeRuns > 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lines.some((l) => l.level === 'error' && /lost/.test(l.message))).toBe(true);
      await lonely.stop();
    } finally {
      await lonely.stop();
      await (closing ?? own.close());
    }
  });
});

describe('stopping while starting', () => {
  it('never connects when stopped before the pool is warm', async () => {
    const own = await startFakeLightning({ secret });
    const early = createWorker(workerOptions(own.url, { capacity: 1 }));
    try {
      const started = early.start();
      const stopped = early.stop();
      await started;
      await stopped;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(own.stats.connections).toBe(0);
      expect(early.status()).toMatchObject({ isConnected: false, activeRuns: 0 });
    } finally {
      await own.close();
    }
  });
});

describe("a server answering like OpenFn's lightning-mock", () => {
  it('runs a job with chan_reply_<ref> replies and a dataclip sent as an array of bytes', async () => {
    const mock = await startFakeLightning({ secret, mockStyle: true });
    const mocked = createWorker(workerOptions(mock.url, { capacity: 1 }));
    try {
      await mocked.start();
      const id = randomUUID();
      mock.enqueue({
        id,
        plan: lightningPlan(id, [{ id: 'a', body: 'fn(s => ({ data: { n: s.data.n + 1 } }))' }]),
        dataclip: { data: { n: 1 } },
      });
      await expect(mock.waitForCompletion(id)).resolves.toMatchObject({
        reason: 'success',
        final_state: { data: { n: 2 } },
      });
    } finally {
      await mocked.stop();
      await mock.close();
    }
  });
});
