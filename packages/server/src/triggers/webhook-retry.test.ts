import { describe, expect, it } from 'vitest';
import {
  baseDelay,
  plannedDelays,
  type RetryClock,
  RetryExhaustedError,
  type RetryPolicy,
  withRetry,
} from './webhook-retry.js';

const defaults: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  backoffFactor: 2,
  timeoutMs: 60_000,
  jitter: false,
};

/** A clock that advances only when slept on, recording each sleep. */
function fakeClock(stepPerAttemptMs = 0) {
  let now = 0;
  const sleeps: number[] = [];
  const clock: RetryClock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { clock, sleeps, advance: (ms: number) => (now += ms), stepPerAttemptMs };
}

class Transient extends Error {}
const isRetryable = (error: unknown) => error instanceof Transient;

describe('webhook retry backoff', () => {
  it('sleeps 100 → 200 → 400 → 800 ms between five attempts with the defaults and jitter off', () => {
    expect(plannedDelays(defaults)).toEqual([100, 200, 400, 800]);
  });

  it('caps each delay at the maximum delay', () => {
    const policy = { ...defaults, maxAttempts: 8, maxDelayMs: 1_000 };
    expect(plannedDelays(policy)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(baseDelay({ ...defaults, backoffFactor: 3 }, 3)).toBe(900);
  });

  it('adds between 0 and 25 % of jitter, still within the cap', () => {
    const policy = { ...defaults, jitter: true };
    expect(plannedDelays(policy, () => 0)).toEqual([100, 200, 400, 800]);
    expect(plannedDelays(policy, () => 0.999999)).toEqual([125, 250, 500, 1000]);
    for (let i = 0; i < 200; i++) {
      const [first, , , fourth] = plannedDelays(policy);
      expect(first).toBeGreaterThanOrEqual(100);
      expect(first).toBeLessThanOrEqual(125);
      expect(fourth).toBeGreaterThanOrEqual(800);
      expect(fourth).toBeLessThanOrEqual(1000);
    }
    const capped = { ...policy, maxDelayMs: 300 };
    expect(plannedDelays(capped, () => 0.99)).toEqual([125, 250, 300, 300]);
  });

  it('retries transient failures with the backoff and returns the first success', async () => {
    const { clock, sleeps } = fakeClock();
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw new Transient('connection terminated');
        return 'stored';
      },
      { policy: defaults, isRetryable, clock },
    );
    expect(result).toBe('stored');
    expect(calls).toBe(4);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('gives up after max attempts with the last error and a Retry-After', async () => {
    const { clock, sleeps } = fakeClock();
    const error = await withRetry(
      async () => {
        throw new Transient('down');
      },
      { policy: defaults, isRetryable, clock },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).attempts).toBe(5);
    expect((error as RetryExhaustedError).cause).toBeInstanceOf(Transient);
    expect((error as RetryExhaustedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(sleeps).toEqual([100, 200, 400, 800]);
  });

  it('stops when the next sleep would overrun the total budget', async () => {
    const { clock, sleeps } = fakeClock();
    const policy = { ...defaults, maxAttempts: 10, timeoutMs: 1_000 };
    const error = await withRetry(
      async () => {
        throw new Transient('down');
      },
      { policy, isRetryable, clock },
    ).catch((e: unknown) => e);
    // 100 + 200 + 400 = 700 ms slept; the next 800 ms would end past 1 000 ms.
    expect(sleeps).toEqual([100, 200, 400]);
    expect((error as RetryExhaustedError).attempts).toBe(4);
  });

  it('counts the time attempts take against the budget', async () => {
    const fake = fakeClock();
    const policy = { ...defaults, timeoutMs: 1_000 };
    const error = await withRetry(
      async () => {
        fake.advance(450);
        throw new Transient('slow and down');
      },
      { policy, isRetryable, clock: fake.clock },
    ).catch((e: unknown) => e);
    // 450 (attempt) + 100 + 450 + 200 would reach 1 200 > 1 000: two attempts only.
    expect(fake.sleeps).toEqual([100]);
    expect((error as RetryExhaustedError).attempts).toBe(2);
  });

  it('rethrows an error that is not transient without retrying', async () => {
    const { clock, sleeps } = fakeClock();
    await expect(
      withRetry(
        async () => {
          throw new Error('unique violation');
        },
        { policy: defaults, isRetryable, clock },
      ),
    ).rejects.toThrow('unique violation');
    expect(sleeps).toEqual([]);
  });
});
