// How a run's steps and log end, through the real pool, runtime and @openfn/language-common:
// a crashed step keeps the name of what it threw (as OpenFn's worker stores it), blocked code
// generation is a SecurityError, and a step the pool closes after a kill stores an empty output
// while the log says how the run ended.

import type { RunEvent } from '@lightning/runtime';
import {
  ADAPTORS_DIR,
  expectWellFormed,
  jobPlan,
  preparePoolTests,
  recordEvents,
} from '../test-support/pool-fixtures.js';
import { createPool, type Pool } from './index.js';

let pool: Pool;

beforeAll(async () => {
  await preparePoolTests();
  pool = createPool({ size: 1, adaptorsDir: ADAPTORS_DIR });
  await pool.ready;
});

afterAll(async () => {
  await pool?.close();
});

async function runRecorded(body: string, options = {}) {
  const recorder = recordEvents();
  const result = await pool.run(
    jobPlan(body, { run_timeout_ms: 300_000, ...options }),
    { data: {} },
    { onEvent: recorder.onEvent },
  );
  const complete = expectWellFormed(recorder.events);
  const steps = recorder.events.filter(
    (e): e is Extract<RunEvent, { type: 'step:complete' }> => e.type === 'step:complete',
  );
  const logs = recorder.events.flatMap((e) =>
    e.type === 'log' ? [`${e.level} ${e.message.join(' ')}`] : [],
  );
  return { result, complete, steps, logs };
}

describe('how a run ends, through the real pool', () => {
  it('a ReferenceError: the step stores ReferenceError, the run RuntimeCrash', async () => {
    const { result, steps } = await runRecorded('fn(s => { notDefined(); return s; })');
    expect(result).toMatchObject({ reason: 'crash', error_type: 'RuntimeCrash' });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      reason: 'crash',
      error_type: 'ReferenceError',
      error_message: 'ReferenceError: notDefined is not defined',
    });
  });

  it("code generation through an adaptor function's constructor is a SecurityError", async () => {
    const { result, steps } = await runRecorded(
      "fn(s => ({ data: { x: fn.constructor.constructor('return 1')() } }))",
    );
    expect(result).toMatchObject({ reason: 'kill', error_type: 'SecurityError' });
    expect(steps[0]).toMatchObject({ reason: 'kill', error_type: 'SecurityError' });
  });

  it('a step killed at the time limit stores {} and the log says how the run ended', async () => {
    const { result, steps, logs } = await runRecorded('fn(s => { for (;;) {} })', {
      run_timeout_ms: 1500,
    });
    expect(result).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      reason: 'kill',
      error_type: 'TimeoutError',
      output_state: {},
    });
    expect(logs.slice(-3)).toEqual([
      expect.stringMatching(/^error Run killed: it did not finish within its time limit of 1500ms/),
      'info Run complete with status: kill',
      'error TimeoutError: Workflow failed to return within 1500ms',
    ]);
  });

  it('a step killed for memory stores {} and the log names the memory limit', async () => {
    const { result, steps, logs } = await runRecorded(
      'fn(s => { const keep = []; for (;;) keep.push(new Uint8Array(8 * 1024 * 1024).fill(7)); })',
      { run_memory_limit_mb: 150, run_timeout_ms: 300_000 },
    );
    expect(result).toMatchObject({ reason: 'kill', error_type: 'OOMError' });
    expect(steps[0]).toMatchObject({ reason: 'kill', error_type: 'OOMError', output_state: {} });
    expect(logs).toContainEqual(
      expect.stringMatching(/^error Run killed: it went over its memory limit of 150mb/),
    );
  });
});
