import { beforeAll, describe, expect, it } from 'vitest';
import { ADAPTORS_DIR, COMMON, ensureAdaptors } from '../test-support/adaptors.js';
import { recordRun } from '../test-support/run-recorder.js';
import type { ExecutionPlan, PlanEdge, PlanJob, State } from '../types.js';
import { executePlan } from './execute-plan.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function job(id: string, body: string, extra: Partial<PlanJob> = {}): PlanJob {
  return { id, name: id, body, adaptor: COMMON, ...extra };
}

function edge(source: string, target: string, condition?: string, extra: Partial<PlanEdge> = {}) {
  const from = source === 'trigger' ? { source_trigger_id: source } : { source_job_id: source };
  return { id: `${source}->${target}`, ...from, target_job_id: target, condition, ...extra };
}

function plan(
  jobs: PlanJob[],
  edges: PlanEdge[],
  extra: Partial<ExecutionPlan> = {},
): ExecutionPlan {
  return {
    id: 'run-1',
    dataclip_id: 'input-clip',
    starting_node_id: 'trigger',
    triggers: [{ id: 'trigger', type: 'webhook' }],
    jobs,
    edges,
    ...extra,
  };
}

async function execute(p: ExecutionPlan, input?: State, credentials: Record<string, State> = {}) {
  const recorder = recordRun();
  const result = await executePlan(p, input, {
    adaptorsDir: ADAPTORS_DIR,
    loadCredential: async (id) => {
      const credential = credentials[id];
      if (!credential) throw new Error(`unknown credential ${id}`);
      return credential;
    },
    onEvent: recorder.onEvent,
  });
  const steps = recorder.ofType('step:complete');
  const stepOf = (jobId: string) => steps.filter((s) => s.job_id === jobId);
  return { result, recorder, steps, stepOf };
}

const ok = (marker: string) =>
  `fn(s => ({ ...s, data: { ...s.data, path: [...(s.data.path ?? []), '${marker}'] } }));`;
const boom = "fn(s => { throw new Error('boom'); });";

describe('executePlan', () => {
  beforeAll(ensureAdaptors);

  it('emits run:start, start lines, step events and run:complete in order', async () => {
    const { recorder } = await execute(
      plan(
        [job('a', ok('a')), job('b', ok('b'))],
        [edge('trigger', 'a'), edge('a', 'b', 'on_job_success')],
        {
          options: { run_memory_limit_mb: 500, run_timeout_ms: 300_000 },
        },
      ),
      { data: { path: [] } },
    );
    const kinds = recorder.events.filter((e) => e.type !== 'log').map((e) => e.type);
    expect(kinds).toEqual([
      'run:start',
      'step:start',
      'step:complete',
      'step:start',
      'step:complete',
      'run:complete',
    ]);
    const start = recorder.ofType('run:start')[0];
    expect(start?.versions).toMatchObject({
      node: process.versions.node,
      '@openfn/language-common': ['3.3.4'],
    });
    const firstLines = recorder.lines().slice(0, 3);
    expect(firstLines[0]).toBe('R/T info: Memory limit: 500mb');
    expect(firstLines[1]).toBe('R/T info: Timeout: 300s');
    expect(
      recorder
        .lines()
        .some(
          (l) =>
            l.startsWith('VER info: Versions:') && l.includes('@openfn/language-common  3.3.4'),
        ),
    ).toBe(true);
    const timestamps = recorder.events.map((e) => BigInt(e.timestamp));
    expect(timestamps).toEqual([...timestamps].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  });

  it('gives each step a UUID and chains dataclip ids from step to step', async () => {
    const { recorder, result } = await execute(
      plan([job('a', ok('a')), job('b', ok('b'))], [edge('trigger', 'a'), edge('a', 'b')]),
    );
    const [startA, startB] = recorder.ofType('step:start');
    const [doneA, doneB] = recorder.ofType('step:complete');
    expect(startA?.step_id).toMatch(UUID);
    expect(startA?.input_dataclip_id).toBe('input-clip');
    expect(doneA?.output_dataclip_id).toMatch(UUID);
    expect(startB?.input_dataclip_id).toBe(doneA?.output_dataclip_id);
    expect(recorder.ofType('run:complete')[0]?.final_dataclip_id).toBe(doneB?.output_dataclip_id);
    expect(result.final_state).toEqual({ data: { path: ['a', 'b'] } });
  });

  it('merges the step default state under its input', async () => {
    const { result } = await execute(
      plan(
        [
          job('a', 'fn(s => s);', {
            state: { data: { fromDefault: 1, shared: 'default' }, extra: true },
          }),
        ],
        [edge('trigger', 'a')],
      ),
      { data: { shared: 'input' } },
    );
    expect(result.final_state).toEqual({ data: { fromDefault: 1, shared: 'input' }, extra: true });
  });

  it('follows failure edges when a step fails, and the run succeeds if the handler does', async () => {
    const { result, stepOf } = await execute(
      plan(
        [job('a', boom), job('ok', ok('ok')), job('recover', ok('recover'))],
        [
          edge('trigger', 'a'),
          edge('a', 'ok', 'on_job_success'),
          edge('a', 'recover', 'on_job_failure'),
        ],
      ),
      { data: {} },
    );
    expect(stepOf('a')[0]).toMatchObject({ reason: 'fail', error_type: 'JobError' });
    expect(stepOf('ok')).toHaveLength(0);
    expect(stepOf('recover')[0]?.reason).toBe('success');
    expect(result.reason).toBe('success');
    expect(result.final_state?.errors).toMatchObject({ a: { type: 'JobError', message: 'boom' } });
  });

  it('fails the run when a leaf step fails', async () => {
    const { result } = await execute(
      plan(
        [job('a', ok('a')), job('b', boom)],
        [edge('trigger', 'a'), edge('a', 'b', 'on_job_success')],
      ),
    );
    expect(result).toMatchObject({ reason: 'fail', error_type: 'JobError', error_message: 'boom' });
  });

  it('evaluates JavaScript conditions against the upstream state', async () => {
    const { stepOf } = await execute(
      plan(
        [
          job('a', 'fn(s => ({ ...s, data: { count: 3 } }));'),
          job('many', ok('many')),
          job('few', ok('few')),
        ],
        [
          edge('trigger', 'a'),
          edge('a', 'many', 'state.data.count > 2'),
          edge('a', 'few', 'state.data.count <= 2;'),
        ],
      ),
    );
    expect(stepOf('many')).toHaveLength(1);
    expect(stepOf('few')).toHaveLength(0);
  });

  it('does not give conditions access to the process', async () => {
    const { stepOf } = await execute(
      plan(
        [job('a', ok('a')), job('b', ok('b'))],
        [
          edge('trigger', 'a'),
          edge('a', 'b', "typeof process === 'undefined' && typeof require === 'undefined'"),
        ],
      ),
    );
    expect(stepOf('b')).toHaveLength(1);
  });

  it('crashes the run when a condition throws', async () => {
    const { result, stepOf } = await execute(
      plan(
        [job('a', ok('a')), job('b', ok('b'))],
        [edge('trigger', 'a'), edge('a', 'b', 'state.data.nothing.here')],
      ),
    );
    expect(result.reason).toBe('crash');
    expect(result.error_type).toBe('RuntimeCrash');
    expect(result.error_message).toContain('the condition of edge a->b threw');
    expect(stepOf('b')).toHaveLength(0);
  });

  it('never follows a disabled edge', async () => {
    const { stepOf } = await execute(
      plan(
        [job('a', ok('a')), job('b', ok('b'))],
        [edge('trigger', 'a'), edge('a', 'b', 'always', { enabled: false })],
      ),
    );
    expect(stepOf('b')).toHaveLength(0);
  });

  it('returns the states of several leaves keyed by job id', async () => {
    const { result, recorder } = await execute(
      plan(
        [job('a', ok('a')), job('b', ok('b')), job('c', ok('c'))],
        [edge('trigger', 'a'), edge('a', 'b'), edge('a', 'c')],
      ),
    );
    expect(result.final_state).toEqual({
      b: { data: { path: ['a', 'b'] } },
      c: { data: { path: ['a', 'c'] } },
    });
    expect(recorder.ofType('run:complete')[0]?.final_dataclip_id).toBeUndefined();
  });

  it('runs steps breadth-first and gives a step reached twice a new step id', async () => {
    const { result, steps } = await execute(
      plan(
        [job('a', ok('a')), job('b', ok('b')), job('c', ok('c')), job('d', ok('d'))],
        [edge('trigger', 'a'), edge('a', 'b'), edge('a', 'c'), edge('b', 'd'), edge('c', 'd')],
      ),
    );
    expect(steps.map((s) => s.job_id)).toEqual(['a', 'b', 'c', 'd', 'd']);
    const [first, second] = steps.filter((s) => s.job_id === 'd');
    expect(first?.step_id).not.toBe(second?.step_id);
    expect(result.final_state).toEqual({
      d: { data: { path: ['a', 'b', 'd'] } },
      'd-1': { data: { path: ['a', 'c', 'd'] } },
    });
  });

  it('starts from a job when the plan retries from it', async () => {
    const { steps, recorder } = await execute(
      plan([job('a', ok('a')), job('b', ok('b'))], [edge('trigger', 'a'), edge('a', 'b')], {
        starting_node_id: 'b',
      }),
      { data: { path: ['earlier'] } },
    );
    expect(steps.map((s) => s.job_id)).toEqual(['b']);
    expect(recorder.ofType('step:start')[0]?.input_dataclip_id).toBe('input-clip');
  });

  it('puts each credential in its own step only', async () => {
    const { result, recorder } = await execute(
      plan(
        [
          job('a', 'fn(s => ({ ...s, data: { sawA: s.configuration.apiKey } }));', {
            credential_id: 'cred-a',
          }),
          job(
            'b',
            'fn(s => ({ ...s, data: { ...s.data, sawB: s.configuration.apiKey ?? null } }));',
          ),
        ],
        [edge('trigger', 'a'), edge('a', 'b')],
      ),
      { data: {} },
      { 'cred-a': { apiKey: 'key-for-a' } },
    );
    expect(result.final_state).toEqual({ data: { sawA: 'key-for-a', sawB: null } });
    for (const step of recorder.ofType('step:complete')) {
      expect(step.output_state).not.toHaveProperty('configuration');
    }
  });

  it('withholds an output over the payload limit, yet the next step gets the real data', async () => {
    const { stepOf, result, recorder } = await execute(
      plan(
        [
          job('big', "fn(s => ({ ...s, data: { blob: 'x'.repeat(1.5 * 1024 * 1024) } }));"),
          job('next', 'fn(s => ({ data: { length: s.data.blob.length } }));'),
        ],
        [edge('trigger', 'big'), edge('big', 'next')],
        { options: { payload_limit_mb: 1 } },
      ),
    );
    const big = stepOf('big')[0];
    expect(big?.output_dataclip_error).toBe('DATACLIP_TOO_LARGE');
    expect(big?.output_state).toBeUndefined();
    expect(recorder.ofType('step:start')[1]?.input_dataclip_id).toBeUndefined();
    expect(result.final_state).toEqual({ data: { length: 1.5 * 1024 * 1024 } });
    expect(recorder.lines().some((l) => l.includes('Dataclip exceeds payload limit of 1mb'))).toBe(
      true,
    );
  });

  it('cuts a log message over the log limit and marks it truncated', async () => {
    const { recorder } = await execute(
      plan(
        [
          job(
            'a',
            "fn(s => { console.log('y'.repeat(2 * 1024 * 1024)); console.log('small'); return s; });",
          ),
        ],
        [edge('trigger', 'a')],
        { options: { log_payload_limit_mb: 1 } },
      ),
    );
    const jobLines = recorder.lines().filter((l) => l.startsWith('JOB'));
    expect(jobLines).toHaveLength(2);
    expect(jobLines[0]).toMatch(
      /^JOB info: y{1000000,1048576} … \[log line truncated: the line has at least 2097152 bytes; the log payload limit is 1 MB\]$/,
    );
    expect(jobLines[1]).toBe('JOB info: small');
  });

  it('summarises logged objects when the plan asks to sanitise', async () => {
    const { recorder } = await execute(
      plan(
        [job('a', "fn(s => { console.log('rows', { id: 1, name: 'x' }, [1, 2]); return s; });")],
        [edge('trigger', 'a')],
        {
          options: { sanitize: 'summarize' },
        },
      ),
    );
    expect(recorder.lines()).toContain(
      'JOB info: rows (object with keys id, name) (array with 2 items)',
    );
  });

  it('crashes on a plan whose start node does not exist', async () => {
    const { result } = await execute(plan([job('a', ok('a'))], [], { starting_node_id: 'nope' }));
    expect(result).toMatchObject({ reason: 'crash', error_type: 'RuntimeCrash' });
    expect(result.error_message).toContain('the starting node nope is neither a trigger nor a job');
  });

  it('finishes with the input as final state when no edge leaves the trigger', async () => {
    const { result, steps } = await execute(
      plan([job('a', ok('a'))], [edge('trigger', 'a', 'false')]),
      {
        data: { x: 1 },
      },
    );
    expect(steps).toHaveLength(0);
    expect(result).toMatchObject({ reason: 'success', final_state: { data: { x: 1 } } });
  });
});
