// How long a worker waits before claiming again after a claim that returned no runs (spec §3):
// 1 s, then ×1.15 per empty claim, capped at 10 s. Any `work-available` push or finished run
// resets it, which callers do by passing `undefined` as the previous delay.

export interface ClaimBackoffOptions {
  /** First delay, and the delay after a reset. */
  minMs: number;
  /** Ceiling of the delay. */
  maxMs: number;
  /** Growth per empty claim. */
  factor: number;
}

export const CLAIM_BACKOFF: ClaimBackoffOptions = { minMs: 1_000, maxMs: 10_000, factor: 1.15 };

/**
 * The delay before the next claim, given the delay used before the previous one.
 *
 * @example
 * let delay = nextClaimBackoff();      // 1000
 * delay = nextClaimBackoff(delay);     // 1150
 * delay = nextClaimBackoff(delay);     // 1322.5 … up to 10000
 */
export function nextClaimBackoff(
  previousMs?: number,
  options: ClaimBackoffOptions = CLAIM_BACKOFF,
): number {
  if (previousMs === undefined || !Number.isFinite(previousMs) || previousMs < options.minMs) {
    return options.minMs;
  }
  return Math.min(options.maxMs, previousMs * options.factor);
}
