// A pool with fewer warm children than its size: it idles light, grows to its size when runs
// need it, and shrinks back after the idle timeout.
import { ADAPTORS_DIR, jobPlan, preparePoolTests } from '../test-support/pool-fixtures.js';
import { createPool, type Pool } from './index.js';

let pool: Pool;

beforeAll(async () => {
  await preparePoolTests();
  pool = createPool({ size: 3, warm: 1, idleTimeoutMs: 300, adaptorsDir: ADAPTORS_DIR });
  await pool.ready;
});

afterAll(async () => {
  await pool?.close();
});

const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition())
    throw new Error(`timed out waiting for ${what}: ${JSON.stringify(pool.stats())}`);
};

describe('an elastic pool', () => {
  it('keeps only the warm children when idle', () => {
    expect(pool.stats()).toMatchObject({ children: 1, idle: 1, busy: 0 });
  });

  it('grows to its size for concurrent runs, then shrinks back to the warm count', async () => {
    // Each run waits long enough that all three are in flight together.
    const slow = jobPlan('fn(s => new Promise(resolve => setTimeout(() => resolve(s), 700)))');
    let most = 0;
    let mostBusy = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, pool.stats().children);
      mostBusy = Math.max(mostBusy, pool.stats().busy);
    }, 20);
    const results = await Promise.all([1, 2, 3].map(() => pool.run(slow, { data: {} })));
    clearInterval(sampler);
    expect(results.map((r) => r.reason)).toEqual(['success', 'success', 'success']);
    // Never more than `size` runs at once; one unbound spare beside them while in use.
    expect(mostBusy).toBeLessThanOrEqual(3);
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThanOrEqual(3);
    await until(() => pool.stats().children === 1, 'the pool to shrink');
    const after = await pool.run(jobPlan('fn(s => ({ ...s, data: { ok: true } }))'), { data: {} });
    expect(after).toMatchObject({ reason: 'success', final_state: { data: { ok: true } } });
  });

  it('refuses a warm count that is not a positive integer', () => {
    expect(() => createPool({ size: 2, warm: 0, adaptorsDir: ADAPTORS_DIR })).toThrow(
      /warm must be a positive integer/,
    );
  });
});
