import { CLAIM_BACKOFF, nextClaimBackoff } from './claim-backoff.js';

describe('nextClaimBackoff', () => {
  it('starts at 1 s and after a reset', () => {
    expect(nextClaimBackoff()).toBe(1000);
    expect(nextClaimBackoff(undefined)).toBe(1000);
  });

  it('grows by 1.15 per empty claim', () => {
    expect(nextClaimBackoff(1000)).toBeCloseTo(1150);
    expect(nextClaimBackoff(1150)).toBeCloseTo(1322.5);
  });

  it('is capped at 10 s', () => {
    let delay = nextClaimBackoff();
    const seen: number[] = [];
    for (let i = 0; i < 40; i++) {
      delay = nextClaimBackoff(delay);
      seen.push(delay);
    }
    expect(Math.max(...seen)).toBe(10_000);
    expect(seen.at(-1)).toBe(10_000);
    // 1.15^16 ≈ 9.36 and 1.15^17 ≈ 10.76, so the cap is reached on the 17th step.
    expect(seen.indexOf(10_000)).toBe(16);
  });

  it('takes other bounds (the worker --backoff flag)', () => {
    const options = { ...CLAIM_BACKOFF, minMs: 500, maxMs: 600 };
    expect(nextClaimBackoff(undefined, options)).toBe(500);
    expect(nextClaimBackoff(550, options)).toBe(600);
  });
});
