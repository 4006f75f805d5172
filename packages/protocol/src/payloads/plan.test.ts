import { expectFieldError, expectValid } from '../test-support/expect-payload.js';
import { runPlanSchema } from './plan.js';

// The shape Lightning renders (lightning-server-facts §2.4), with nulls where Lightning sends them.
const plan = {
  id: 'run-1',
  name: 'Patients sync',
  project_id: 'project-1',
  dataclip_id: 'dataclip-1',
  starting_node_id: 'trigger-1',
  triggers: [{ id: 'trigger-1', type: 'webhook' }],
  jobs: [
    {
      id: 'job-a',
      name: 'Fetch',
      body: "get('/patients')",
      adaptor: '@openfn/language-http@7.2.10',
      credential_id: 'cred-1',
    },
    {
      id: 'job-b',
      name: 'Store',
      body: 'fn(s => s)',
      adaptor: '@openfn/language-common@3.3.4',
      credential_id: null,
    },
  ],
  edges: [
    {
      id: 'e1',
      source_trigger_id: 'trigger-1',
      source_job_id: null,
      target_job_id: 'job-a',
      condition: 'always',
      enabled: true,
    },
    {
      id: 'e2',
      source_trigger_id: null,
      source_job_id: 'job-a',
      target_job_id: 'job-b',
      condition: 'state.data.length > 0',
      enabled: false,
    },
  ],
  options: {
    run_timeout_ms: 300000,
    run_memory_limit_mb: 500,
    payload_limit_mb: 10,
    log_payload_limit_mb: 1,
    output_dataclips: true,
    sanitize: 'none',
    job_log_level: 'info',
  },
};

describe('run plan', () => {
  it("accepts Lightning's plan as is", () => {
    expect(expectValid(runPlanSchema, plan)).toEqual(plan);
  });

  it('keeps keys it does not know (globals, limiter extras)', () => {
    const parsed = expectValid(runPlanSchema, {
      ...plan,
      globals: 'export const x = 1;',
      options: { ...plan.options, start: 'job-a' },
    });
    expect(parsed.globals).toBe('export const x = 1;');
    expect(parsed.options?.start).toBe('job-a');
  });

  it('reads null optional keys as absent', () => {
    const parsed = expectValid(runPlanSchema, {
      ...plan,
      name: null,
      project_id: null,
      options: null,
    });
    expect(parsed.name).toBeUndefined();
    expect(parsed.options).toBeUndefined();
  });

  it('accepts a retry starting from a job, and a plan without options', () => {
    const { options: _, ...withoutOptions } = plan;
    expect(
      expectValid(runPlanSchema, { ...withoutOptions, starting_node_id: 'job-b' }).starting_node_id,
    ).toBe('job-b');
  });

  it('refuses missing top-level fields', () => {
    for (const field of ['id', 'dataclip_id', 'starting_node_id', 'triggers', 'jobs', 'edges']) {
      expectFieldError(runPlanSchema, { ...plan, [field]: undefined }, field, "can't be blank");
    }
  });

  it('refuses a starting node that is not in the plan', () => {
    expectFieldError(runPlanSchema, { ...plan, starting_node_id: 'nowhere' }, 'starting_node_id');
  });

  it('refuses a job without body or adaptor', () => {
    const job = plan.jobs[0]!;
    expectFieldError(
      runPlanSchema,
      { ...plan, jobs: [{ ...job, body: undefined }, plan.jobs[1]] },
      'jobs.0.body',
    );
    expectFieldError(
      runPlanSchema,
      { ...plan, jobs: [plan.jobs[0], { ...job, id: 'job-b', adaptor: '' }] },
      'jobs.1.adaptor',
    );
  });

  it('refuses edges to or from unknown nodes', () => {
    const [e1, e2] = plan.edges as unknown as [Record<string, unknown>, Record<string, unknown>];
    expectFieldError(
      runPlanSchema,
      { ...plan, edges: [e1, { ...e2, target_job_id: 'ghost' }] },
      'edges.1.target_job_id',
    );
    expectFieldError(
      runPlanSchema,
      { ...plan, edges: [{ ...e1, source_trigger_id: 'ghost' }, e2] },
      'edges.0.source_trigger_id',
    );
    expectFieldError(
      runPlanSchema,
      { ...plan, edges: [e1, { ...e2, source_job_id: 'ghost' }] },
      'edges.1.source_job_id',
    );
  });

  it('refuses an edge with both or neither source', () => {
    const [e1, e2] = plan.edges as unknown as [Record<string, unknown>, Record<string, unknown>];
    expectFieldError(
      runPlanSchema,
      { ...plan, edges: [{ ...e1, source_job_id: 'job-b' }, e2] },
      'edges.0.source_job_id',
      /exactly one/,
    );
    expectFieldError(
      runPlanSchema,
      { ...plan, edges: [e1, { ...e2, source_job_id: null }] },
      'edges.1.source_job_id',
      /exactly one/,
    );
  });

  it('refuses bad options', () => {
    expectFieldError(
      runPlanSchema,
      { ...plan, options: { run_timeout_ms: -5 } },
      'options.run_timeout_ms',
    );
    expectFieldError(
      runPlanSchema,
      { ...plan, options: { output_dataclips: 'yes' } },
      'options.output_dataclips',
    );
    expectFieldError(
      runPlanSchema,
      { ...plan, options: { sanitize: 'scrub' } },
      'options.sanitize',
      /none, remove, summarize, obfuscate/,
    );
  });
});
