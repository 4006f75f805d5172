export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  backoffFactor: number;
  timeoutMs: number;
  jitter: boolean;
}
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
export declare const systemClock: RetryClock;
/**
 * The sleep before retry number `retry` (1 = the sleep after the first failed attempt), without
 * jitter: initial × factor^(retry-1), capped by maxDelayMs.
 */
export declare function baseDelay(policy: RetryPolicy, retry: number): number;
/** The sleep with jitter applied: `random()` in [0, 1) adds 0–25 %, never above maxDelayMs. */
export declare function jitteredDelay(
  policy: RetryPolicy,
  retry: number,
  random?: () => number,
): number;
/** The planned sleeps of a full retry sequence (maxAttempts − 1 of them), ignoring the budget. */
export declare function plannedDelays(policy: RetryPolicy, random?: () => number): number[];
/** Every attempt failed with a retryable error, or the budget ran out: the caller answers 503. */
export declare class RetryExhaustedError extends Error {
  readonly attempts: number;
  readonly elapsedMs: number;
  /** How long a client should wait before trying again (for `Retry-After`), in seconds. */
  readonly retryAfterSeconds: number;
  readonly cause: unknown;
  name: string;
  constructor(
    attempts: number,
    elapsedMs: number,
    /** How long a client should wait before trying again (for `Retry-After`), in seconds. */
    retryAfterSeconds: number,
    cause: unknown,
  );
}
export interface RetryOptions {
  policy: RetryPolicy;
  /** Whether an error is worth retrying (transient); others are rethrown at once. */
  isRetryable: (error: unknown) => boolean;
  clock?: RetryClock;
  random?: () => number;
  /** Told before each sleep: which attempt failed, the error, and how long we wait. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}
/**
 * Runs `operation`, retrying retryable failures with the policy's backoff. Resolves with the first
 * success; rethrows a non-retryable error as is; throws RetryExhaustedError when attempts or the
 * time budget are used up.
 */
export declare function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T>;
