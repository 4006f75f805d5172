// One job, no workflow: what `lightning execute` runs locally. Builds a one-step plan and
// installs the adaptor when it is missing.
import { randomUUID } from 'node:crypto';
import type { ExecuteOptions, RunEvent, RunResult, State } from '../types.js';
import { executePlan } from './execute-plan.js';

export interface ExecuteJobOptions {
  /** Job source, e.g. `get('/patients');`. */
  source: string;
  /** `@openfn/language-http@7.2.10` (or `@latest`, resolved on install). */
  adaptor: string;
  /** Input state; default `{ data: {}, configuration: {} }`. */
  state?: State;
  /** Credential body, merged into `state.configuration`. */
  credential?: State;
  adaptorsDir: string;
  onEvent?: (event: RunEvent) => void;
  /** Optional extras passed to executePlan (timeoutMs, allowList, ...). */
  options?: Partial<Omit<ExecuteOptions, 'adaptorsDir' | 'onEvent' | 'loadCredential'>>;
  name?: string;
}

/**
 * Run a single job.
 *
 * @example
 * const result = await executeJob({
 *   source: "fn(state => ({ ...state, data: { n: 42 } }))",
 *   adaptor: '@openfn/language-common@3.3.4',
 *   adaptorsDir: '.lightning/adaptors',
 * });
 * result.final_state // { data: { n: 42 } }
 */
export async function executeJob(options: ExecuteJobOptions): Promise<RunResult> {
  const jobId = options.name ?? 'job';
  const credentialId = options.credential ? 'credential' : undefined;
  return executePlan(
    {
      id: randomUUID(),
      starting_node_id: jobId,
      triggers: [],
      jobs: [
        {
          id: jobId,
          name: options.name ?? 'job',
          body: options.source,
          adaptor: options.adaptor,
          credential_id: credentialId,
        },
      ],
      edges: [],
    },
    options.state,
    {
      autoinstall: true,
      ...options.options,
      adaptorsDir: options.adaptorsDir,
      onEvent: options.onEvent ?? (() => {}),
      loadCredential: async () => options.credential ?? {},
    },
  );
}
