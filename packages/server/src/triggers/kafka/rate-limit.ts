// KAFKA_NUMBER_OF_MESSAGES_PER_SECOND as Lightning applies it: converted to a whole number of
// messages per 10-second window, rounded down (0.15/s → 1 message every 10 s; 2/s → 20 per 10 s).
// A window opens with the first message after the previous one closed; once its allowance is used,
// the next message waits for the window to close. One limiter per trigger and node, shared by the
// trigger's consumers there (Lightning's rate limit is per pipeline).

export const RATE_WINDOW_MS = 10_000;

/** Messages allowed per 10-second window for a rate in messages per second (at least 1). */
export function messagesPerWindow(messagesPerSecond: number): number {
  return Math.max(1, Math.floor(Math.round(messagesPerSecond * 10 * 1e6) / 1e6));
}

export interface RateClock {
  now: () => number;
  /** Resolves after `ms`, or earlier when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const realClock: RateClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface RateLimiter {
  /** Waits until one more message may be forwarded (returns at once when `signal` aborts). */
  take(signal?: AbortSignal): Promise<void>;
}

export function createRateLimiter(
  messagesPerSecond: number,
  clock: RateClock = realClock,
): RateLimiter {
  const allowance = messagesPerWindow(messagesPerSecond);
  let windowStart = Number.NEGATIVE_INFINITY;
  let used = 0;
  return {
    async take(signal) {
      for (;;) {
        if (signal?.aborted) return;
        const now = clock.now();
        if (now >= windowStart + RATE_WINDOW_MS) {
          windowStart = now;
          used = 0;
        }
        if (used < allowance) {
          used++;
          return;
        }
        await clock.sleep(windowStart + RATE_WINDOW_MS - now, signal);
      }
    },
  };
}
