// Retrying webhook persistence on transient database errors, exactly as the deployment guide's
// "Webhook Retry Configuration" describes (seed/DEPLOYMENT.md, WEBHOOK_RETRY_*):
//
//   attempt 1 runs immediately; after a failure we sleep and retry, at most maxAttempts in all.
//   The first sleep is initialDelayMs, each next one × backoffFactor, never above maxDelayMs:
//   100 → 200 → 400 → 800 ms with the defaults (four sleeps for five attempts). With jitter on,
//   each sleep is lengthened by a random 0–25 % (still capped by maxDelayMs) so that many requests
//   failing together do not come back together. No sleep may end past timeoutMs from the start:
//   if the next one would, we stop there instead of sleeping into a budget we cannot use.
//
// Pure apart from the clock and the random source, which are passed in, so tests drive them.
export const systemClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
/**
 * The sleep before retry number `retry` (1 = the sleep after the first failed attempt), without
 * jitter: initial × factor^(retry-1), capped by maxDelayMs.
 */
export function baseDelay(policy, retry) {
  const delay = policy.initialDelayMs * policy.backoffFactor ** (retry - 1);
  return Math.min(delay, policy.maxDelayMs);
}
/** The sleep with jitter applied: `random()` in [0, 1) adds 0–25 %, never above maxDelayMs. */
export function jitteredDelay(policy, retry, random = Math.random) {
  const delay = baseDelay(policy, retry);
  if (!policy.jitter) return delay;
  return Math.min(Math.round(delay * (1 + 0.25 * random())), policy.maxDelayMs);
}
/** The planned sleeps of a full retry sequence (maxAttempts − 1 of them), ignoring the budget. */
export function plannedDelays(policy, random = Math.random) {
  return Array.from({ length: Math.max(0, policy.maxAttempts - 1) }, (_, i) =>
    jitteredDelay(policy, i + 1, random),
  );
}
/** Every attempt failed with a retryable error, or the budget ran out: the caller answers 503. */
export class RetryExhaustedError extends Error {
  attempts;
  elapsedMs;
  retryAfterSeconds;
  cause;
  name = 'RetryExhaustedError';
  constructor(
    attempts,
    elapsedMs,
    /** How long a client should wait before trying again (for `Retry-After`), in seconds. */
    retryAfterSeconds,
    cause,
  ) {
    super(
      `Gave up after ${attempts} attempt(s) in ${Math.round(elapsedMs)} ms: ${cause?.message ?? String(cause)}`,
    );
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    this.retryAfterSeconds = retryAfterSeconds;
    this.cause = cause;
  }
}
/**
 * Runs `operation`, retrying retryable failures with the policy's backoff. Resolves with the first
 * success; rethrows a non-retryable error as is; throws RetryExhaustedError when attempts or the
 * time budget are used up.
 */
export async function withRetry(operation, options) {
  const { policy, isRetryable, clock = systemClock, random = Math.random } = options;
  const start = clock.now();
  const attempts = Math.max(1, policy.maxAttempts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const elapsed = clock.now() - start;
      const delay = jitteredDelay(policy, attempt, random);
      const retryAfterSeconds = Math.max(1, Math.ceil(delay / 1000));
      if (attempt >= attempts || elapsed + delay > policy.timeoutMs) {
        throw new RetryExhaustedError(attempt, elapsed, retryAfterSeconds, error);
      }
      options.onRetry?.(attempt, error, delay);
      await clock.sleep(delay);
    }
  }
}
//# sourceMappingURL=webhook-retry.js.map
