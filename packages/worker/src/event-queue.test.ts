import { MAX_FRAME_SIZE_BYTES, type ReplyPayload } from '@lightning/protocol';
import type { RunEvent } from '@lightning/runtime';
import { createDeliver, isTransientReply, type PushChannel } from './delivery.js';
import { createEventQueue } from './event-queue.js';
import { silentLogger } from './logger.js';
import { DisconnectedError, JoinRefusedError, PushTimeoutError } from './socket/errors.js';

const ts = '1795729756567073';
const stepId = '0b8f3d2e-5f5c-4d7e-9f00-6a3a2b1c0d9e';

interface Sent {
  event: string;
  payload: Record<string, unknown>;
}

/**
 * A channel whose replies arrive only when the test releases them, so the test controls what
 * piles up behind an unanswered push.
 */
function manualChannel(answer: (sent: Sent, index: number) => ReplyPayload | Error = () => ok) {
  const sent: Sent[] = [];
  const waiting: (() => void)[] = [];
  let isAutomatic = false;
  const channel: PushChannel = {
    topic: 'run:r1',
    whenJoined: () => Promise.resolve(),
    push(event, payload) {
      const item = { event, payload: payload as Record<string, unknown> };
      const index = sent.push(item) - 1;
      return new Promise((resolve, reject) => {
        const reply = () => {
          const result = answer(item, index);
          if (result instanceof Error) reject(result);
          else resolve(result);
        };
        if (isAutomatic) queueMicrotask(reply);
        else waiting.push(reply);
      });
    },
  };
  return {
    channel,
    sent,
    /** Answer the oldest unanswered push. */
    release: async () => {
      waiting.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
    automatic: () => {
      isAutomatic = true;
      for (const reply of waiting.splice(0)) reply();
    },
  };
}

const ok: ReplyPayload = { status: 'ok', response: {} };
const log = (n: number): RunEvent => ({
  type: 'log',
  level: 'info',
  source: 'JOB',
  message: [`line ${n}`],
  step_id: stepId,
  timestamp: ts,
});
const runStart: RunEvent = { type: 'run:start', versions: {}, timestamp: ts };
const stepStart: RunEvent = { type: 'step:start', step_id: stepId, job_id: 'a', timestamp: ts };
const stepComplete: RunEvent = {
  type: 'step:complete',
  step_id: stepId,
  job_id: 'a',
  reason: 'success',
  error_type: null,
  error_message: null,
  output_dataclip_id: '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
  output_state: { data: {} },
  mem: { job: 0, system: 0 },
  duration: 1,
  timestamp: ts,
};
const runComplete: RunEvent = {
  type: 'run:complete',
  reason: 'success',
  error_type: null,
  error_message: null,
  timestamp: ts,
};

function queueOn(
  channel: PushChannel,
  options: { batchLogs?: boolean; batchLimit?: number; logLimitMb?: number } = {},
) {
  return createEventQueue({
    runId: 'r1',
    channel,
    deliver: createDeliver({
      timeoutMs: 1000,
      retryWindowMs: 2000,
      retryDelayMs: 10,
      logger: silentLogger,
    }),
    logger: silentLogger,
    workerVersion: '0.0.0',
    outputDataclips: true,
    ...options,
  });
}

describe('event queue', () => {
  it('sends one event at a time, each only after the previous one was answered', async () => {
    const fake = manualChannel();
    const queue = queueOn(fake.channel, { batchLogs: false });
    for (const event of [runStart, stepStart, log(1), stepComplete, runComplete])
      queue.enqueue(event);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.sent.map((s) => s.event)).toEqual(['run:start']);
    await fake.release();
    expect(fake.sent.map((s) => s.event)).toEqual(['run:start', 'step:start']);
    fake.automatic();
    await expect(queue.done).resolves.toEqual({ delivered: true });
    expect(fake.sent.map((s) => s.event)).toEqual([
      'run:start',
      'step:start',
      'run:log',
      'step:complete',
      'run:complete',
    ]);
  });

  it('batches the log lines that piled up behind an unanswered event, in order', async () => {
    const fake = manualChannel();
    const queue = queueOn(fake.channel);
    queue.enqueue(stepStart);
    for (let n = 1; n <= 5; n++) queue.enqueue(log(n));
    queue.enqueue(stepComplete);
    queue.enqueue(log(6));
    queue.enqueue(runComplete);
    fake.automatic();
    await queue.done;
    expect(fake.sent.map((s) => s.event)).toEqual([
      'step:start',
      'run:batch_logs',
      'step:complete',
      'run:batch_logs',
      'run:complete',
    ]);
    const lines = (fake.sent[1]!.payload.logs as { message: string[] }[]).map((l) => l.message[0]);
    expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  });

  it('caps a batch at the batch limit', async () => {
    const fake = manualChannel();
    const queue = queueOn(fake.channel, { batchLimit: 2 });
    queue.enqueue(stepStart);
    for (let n = 1; n <= 5; n++) queue.enqueue(log(n));
    queue.enqueue(runComplete);
    fake.automatic();
    await queue.done;
    const sizes = fake.sent
      .filter((s) => s.event === 'run:batch_logs')
      .map((s) => (s.payload.logs as unknown[]).length);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('logs an error reply and goes on to the end of the run', async () => {
    const fake = manualChannel((sent) =>
      sent.event === 'step:complete'
        ? { status: 'error', response: { errors: { x: ['bad'] } } }
        : ok,
    );
    fake.automatic();
    const queue = queueOn(fake.channel);
    for (const event of [runStart, stepStart, stepComplete, runComplete]) queue.enqueue(event);
    await expect(queue.done).resolves.toEqual({ delivered: true });
    expect(fake.sent.at(-1)!.event).toBe('run:complete');
  });

  it('sends an event again when its reply timed out or the socket dropped, keeping the order', async () => {
    const fake = manualChannel((sent, index) => {
      if (sent.event === 'step:complete' && index === 2)
        return new PushTimeoutError('run:r1', sent.event, 1);
      if (sent.event === 'run:complete' && index === 4)
        return new DisconnectedError('run:r1', sent.event);
      return ok;
    });
    fake.automatic();
    const queue = queueOn(fake.channel);
    for (const event of [runStart, stepStart, stepComplete, runComplete]) queue.enqueue(event);
    await expect(queue.done).resolves.toEqual({ delivered: true });
    expect(fake.sent.map((s) => s.event)).toEqual([
      'run:start',
      'step:start',
      'step:complete',
      'step:complete',
      'run:complete',
      'run:complete',
    ]);
  });

  it('retries an error reply the server marks transient', async () => {
    const fake = manualChannel((sent, index) =>
      sent.event === 'run:complete' && index === 0
        ? { status: 'error', response: { reason: 'temporarily_unavailable' } }
        : ok,
    );
    fake.automatic();
    const queue = queueOn(fake.channel);
    queue.enqueue(runComplete);
    await queue.done;
    expect(fake.sent.map((s) => s.event)).toEqual(['run:complete', 'run:complete']);
  });

  it('gives up, without hanging, when the run channel is refused for good', async () => {
    const fake = manualChannel();
    fake.channel.whenJoined = () =>
      Promise.reject(new JoinRefusedError('run:r1', { reason: 'unauthorized' }));
    const queue = queueOn(fake.channel);
    queue.enqueue(runStart);
    queue.enqueue(runComplete);
    const outcome = await queue.done;
    expect(outcome.delivered).toBe(false);
    expect(fake.sent).toEqual([]);
  });

  it('gives up after the retry window when nothing gets through', async () => {
    const fake = manualChannel((sent) => new PushTimeoutError('run:r1', sent.event, 1));
    fake.automatic();
    const queue = createEventQueue({
      runId: 'r1',
      channel: fake.channel,
      deliver: createDeliver({ timeoutMs: 5, retryWindowMs: 50, logger: silentLogger }),
      logger: silentLogger,
      workerVersion: '0',
      outputDataclips: true,
    });
    queue.enqueue(runComplete);
    const outcome = await queue.done;
    expect(outcome.delivered).toBe(false);
  });

  it('ignores events after run:complete', async () => {
    const fake = manualChannel();
    fake.automatic();
    const queue = queueOn(fake.channel);
    queue.enqueue(runComplete);
    queue.enqueue(log(1));
    await queue.done;
    expect(fake.sent.map((s) => s.event)).toEqual(['run:complete']);
  });
});

describe('frame limit', () => {
  // Control characters are escaped as \u00XX: 2 M of them become 12 MB inside a frame.
  const huge = '\u0001'.repeat(2_000_000);

  it('sends an output too large for one frame as DATACLIP_TOO_LARGE, and says so in the log', async () => {
    const fake = manualChannel();
    fake.automatic();
    const queue = queueOn(fake.channel);
    const big: RunEvent = { ...stepComplete, output_state: { data: huge } } as RunEvent;
    queue.enqueue(big);
    queue.enqueue({ ...runComplete, final_state: { data: huge } } as RunEvent);
    await queue.done;
    expect(fake.sent.map((s) => s.event)).toEqual([
      'run:batch_logs',
      'step:complete',
      'run:batch_logs',
      'run:complete',
    ]);
    const note = (fake.sent[0]!.payload.logs as { message: string[]; step_id: string }[])[0]!;
    expect(note.message[0]).toMatch(/frame limit/);
    expect(note.step_id).toBe(stepId);
    const step = fake.sent[1]!.payload;
    expect(step.output_dataclip_error).toBe('DATACLIP_TOO_LARGE');
    expect(step).not.toHaveProperty('output_dataclip');
    expect(step).not.toHaveProperty('output_dataclip_id');
    expect(fake.sent[3]!.payload).not.toHaveProperty('final_state');
    expect(fake.sent[3]!.payload).toMatchObject({ reason: 'success' });
  });

  it('leaves ordinary outputs and final states alone', async () => {
    const fake = manualChannel();
    fake.automatic();
    const queue = queueOn(fake.channel);
    queue.enqueue(stepComplete);
    queue.enqueue({ ...runComplete, final_state: { data: { n: 1 } } } as RunEvent);
    await queue.done;
    expect(fake.sent.map((s) => s.event)).toEqual(['step:complete', 'run:complete']);
    expect(fake.sent[0]!.payload.output_dataclip).toBe('{"data":{}}');
    expect(fake.sent[1]!.payload.final_state).toEqual({ data: { n: 1 } });
  });

  it('cuts log batches by size as well as by count', async () => {
    const fake = manualChannel();
    const queue = queueOn(fake.channel);
    queue.enqueue(stepStart);
    const line = (text: string): RunEvent => ({ ...log(0), message: [text] }) as RunEvent;
    const big = 'x'.repeat(600_000);
    for (const text of [big, big, 'small', big]) queue.enqueue(line(text));
    queue.enqueue(runComplete);
    fake.automatic();
    await queue.done;
    const sizes = fake.sent
      .filter((s) => s.event === 'run:batch_logs')
      .map((s) => (s.payload.logs as unknown[]).length);
    expect(sizes).toEqual([1, 2, 1]);
  });
});

describe('log lines over the log payload limit', () => {
  const line = (message: unknown[]): RunEvent => ({ ...log(0), message }) as RunEvent;
  const frameBytes = (sent: Sent) =>
    Buffer.byteLength(JSON.stringify(['1', '2', 'run:r1', sent.event, sent.payload]));

  it('cuts a line longer than the limit and marks it, whether batched or not', async () => {
    for (const batchLogs of [true, false]) {
      const fake = manualChannel();
      fake.automatic();
      const queue = queueOn(fake.channel, { batchLogs, logLimitMb: 1 });
      queue.enqueue(line(['é'.repeat(3_000_000)]));
      queue.enqueue(line(['after']));
      queue.enqueue(runComplete);
      await queue.done;
      const messages = fake.sent.flatMap((s) =>
        s.event === 'run:batch_logs'
          ? (s.payload.logs as { message: string[] }[]).map((l) => l.message)
          : s.event === 'run:log'
            ? [s.payload.message as string[]]
            : [],
      );
      expect(messages).toHaveLength(2);
      expect(messages[0]![0]).toMatch(
        /^é+ … \[log line truncated: the line has 6000000 bytes; the log payload limit is 1 MB\]$/,
      );
      expect(Buffer.byteLength(JSON.stringify(messages[0]))).toBeLessThanOrEqual(1024 * 1024);
      expect(messages[1]).toEqual(['after']);
    }
  });

  it('never honours a limit that would not fit in a frame, and keeps every frame under it', async () => {
    const fake = manualChannel();
    fake.automatic();
    // A plan asking for 50 MB lines gets 10 MB; lines of escaped control characters grow
    // sixfold in JSON and are measured as such.
    const queue = queueOn(fake.channel, { logLimitMb: 50 });
    for (let n = 0; n < 4; n++) queue.enqueue(line(['\u0001'.repeat(3_000_000)]));
    queue.enqueue(line(['x'.repeat(12_000_000)]));
    queue.enqueue(runComplete);
    await queue.done;
    for (const sent of fake.sent) {
      expect(frameBytes(sent)).toBeLessThan(MAX_FRAME_SIZE_BYTES);
    }
    const batches = fake.sent.filter((s) => s.event === 'run:batch_logs');
    expect(batches).toHaveLength(5);
    const last = (batches[4]!.payload.logs as { message: string[] }[])[0]!.message[0]!;
    expect(last).toMatch(/the log payload limit is 10 MB\]$/);
  });
});

describe('error messages', () => {
  it('cuts an enormous error message so the step and the run still fit in a frame', async () => {
    const fake = manualChannel();
    fake.automatic();
    const queue = queueOn(fake.channel);
    const error_message = `Error: ${'e'.repeat(12_000_000)}`;
    queue.enqueue({
      ...stepComplete,
      reason: 'fail',
      error_type: 'JobError',
      error_message,
    } as RunEvent);
    queue.enqueue({ ...runComplete, reason: 'fail', error_type: 'JobError', error_message });
    await queue.done;
    expect(fake.sent.map((s) => s.event)).toEqual(['step:complete', 'run:complete']);
    for (const sent of fake.sent) {
      const message = sent.payload.error_message as string;
      expect(message.length).toBeLessThan(70 * 1024);
      expect(message).toMatch(
        /^Error: e+ … \[error message truncated: it has 12000007 characters\]$/,
      );
    }
  });
});

describe('transient error replies', () => {
  it('are the ones the server marks as such', () => {
    const error = (response: unknown) => ({ status: 'error' as const, response });
    expect(isTransientReply(error({ reason: 'temporarily_unavailable' }))).toBe(true);
    expect(isTransientReply(error({ retry: true }))).toBe(true);
    expect(isTransientReply(error({ reason: 'internal_error' }))).toBe(false);
    expect(isTransientReply(error({ errors: { step_id: ["can't be blank"] } }))).toBe(false);
    expect(isTransientReply({ status: 'ok', response: { reason: 'timeout' } })).toBe(false);
  });
});
