// Shared pieces of the pool tests: plans for one job, an event recorder that checks the stream
// is well-formed, the real adaptors in the repo's cache, and the fake runtime.

import { fileURLToPath } from 'node:url';
import {
  type ExecutionPlan,
  installAdaptor,
  type PlanOptions,
  type RunEvent,
} from '@lightning/runtime';
import { ensureBuilt } from './build-packages.js';

export const ADAPTORS_DIR = fileURLToPath(new URL('../../../../.cache/adaptors', import.meta.url));
export const COMMON = '@openfn/language-common@3.3.4';
export const HTTP = '@openfn/language-http@7.2.10';
export const FAKE_RUNTIME = fileURLToPath(new URL('./fake-runtime.js', import.meta.url));

/** Build the packages the children load and install the real adaptors the tests use. */
export async function preparePoolTests(): Promise<void> {
  await ensureBuilt();
  await installAdaptor(COMMON, { adaptorsDir: ADAPTORS_DIR });
  await installAdaptor(HTTP, { adaptorsDir: ADAPTORS_DIR });
}

/** A plan with one job, reached from a webhook trigger. */
export function jobPlan(
  body: string,
  options: PlanOptions = {},
  extra: { adaptor?: string; credential_id?: string } = {},
): ExecutionPlan {
  return {
    id: `plan-${Math.random().toString(36).slice(2)}`,
    starting_node_id: 'trigger',
    triggers: [{ id: 'trigger', type: 'webhook' }],
    jobs: [{ id: 'job', name: 'job', body, adaptor: extra.adaptor ?? COMMON, ...extra }],
    edges: [
      {
        id: 'edge',
        source_trigger_id: 'trigger',
        target_job_id: 'job',
        condition: 'always',
        enabled: true,
      },
    ],
    options,
  };
}

export interface Recorder {
  events: RunEvent[];
  onEvent: (event: RunEvent) => void;
  /** Everything the run emitted, as one string, to search for leaked secrets. */
  text(): string;
}

export function recordEvents(): Recorder {
  const events: RunEvent[] = [];
  return {
    events,
    onEvent: (event) => events.push(event),
    text: () => JSON.stringify(events),
  };
}

/**
 * The stream must end with exactly one run:complete, and close every step it opened; returns
 * the run:complete for further checks.
 */
export function expectWellFormed(events: RunEvent[]): Extract<RunEvent, { type: 'run:complete' }> {
  const completes = events.filter((e) => e.type === 'run:complete');
  if (completes.length !== 1) throw new Error(`expected one run:complete, got ${completes.length}`);
  const last = events[events.length - 1];
  if (last?.type !== 'run:complete')
    throw new Error(`last event is ${last?.type}, not run:complete`);
  const open = new Set<string>();
  for (const event of events) {
    if (event.type === 'step:start') open.add(event.step_id);
    if (event.type === 'step:complete' && !open.delete(event.step_id)) {
      throw new Error(`step:complete for a step that was not started: ${event.step_id}`);
    }
  }
  if (open.size > 0) throw new Error(`steps left open: ${[...open].join(', ')}`);
  return last;
}
