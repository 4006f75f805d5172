// Run plans as a server sends them in reply to `fetch:plan` (spec §5), for the worker's tests.
import { randomUUID } from 'node:crypto';

export const COMMON = '@openfn/language-common@3.3.4';

export interface TestJob {
  id: string;
  body: string;
  credential_id?: string;
}

/**
 * A webhook trigger followed by `jobs` in a chain (each on success of the one before).
 *
 * @example
 * lightningPlan(runId, [{ id: 'a', body: 'fn(s => s)' }, { id: 'b', body: 'fn(s => s)' }])
 */
export function lightningPlan(
  runId: string,
  jobs: TestJob[],
  options: Record<string, unknown> = {},
): Record<string, unknown> {
  const edges = jobs.map((job, i) => ({
    id: randomUUID(),
    ...(i === 0 ? { source_trigger_id: 'trigger' } : { source_job_id: jobs[i - 1]!.id }),
    target_job_id: job.id,
    condition: i === 0 ? 'always' : 'on_job_success',
    enabled: true,
  }));
  return {
    id: runId,
    name: 'test workflow',
    dataclip_id: randomUUID(),
    starting_node_id: 'trigger',
    triggers: [{ id: 'trigger', type: 'webhook' }],
    jobs: jobs.map((job) => ({ name: job.id, adaptor: COMMON, ...job })),
    edges,
    options: { run_timeout_ms: 20_000, output_dataclips: true, ...options },
  };
}
