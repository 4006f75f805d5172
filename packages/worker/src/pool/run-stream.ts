// Keeps one run's event stream well-formed whatever the child does: every `step:start` is closed
// by a `step:complete`, `run:complete` comes exactly once and last. When a child is killed (time,
// memory) or dies, the pool closes the open steps and the run with the same error, as OpenFn's
// worker does, so the server never sees a half-finished run.

import { randomUUID } from 'node:crypto';
import type { RunEvent, RunResult } from '@lightning/runtime';

const eventTypes = new Set(['run:start', 'step:start', 'log', 'step:complete', 'run:complete']);

/** Microseconds since the epoch, as a string (worker-protocol §4). */
export function microTimestamp(): string {
  return Math.round((performance.timeOrigin + performance.now()) * 1000).toString();
}

export interface RunStream {
  /** Forward an event from the child; malformed or out-of-order ones are dropped. */
  push(event: unknown): void;
  /** Close open steps and the run (unless the child already did) with `result`. */
  finish(result: RunResult, rss?: number): void;
  readonly isComplete: boolean;
}

export function createRunStream(onEvent: (event: RunEvent) => void): RunStream {
  let hasStarted = false;
  let isComplete = false;
  const openSteps = new Map<string, { jobId: string; startedAt: number }>();

  function push(raw: unknown): void {
    if (isComplete || typeof raw !== 'object' || raw === null) return;
    const event = raw as RunEvent;
    if (!eventTypes.has(event.type)) return;
    switch (event.type) {
      case 'run:start':
        if (hasStarted) return;
        hasStarted = true;
        break;
      case 'step:start':
        if (typeof event.step_id !== 'string' || openSteps.has(event.step_id)) return;
        openSteps.set(event.step_id, { jobId: event.job_id, startedAt: performance.now() });
        break;
      case 'step:complete':
        if (!openSteps.delete(event.step_id)) return;
        break;
      case 'run:complete':
        closeSteps(event, 0);
        isComplete = true;
        break;
    }
    onEvent(event);
  }

  function closeSteps(result: Omit<RunResult, 'final_state'>, rss: number): void {
    for (const [stepId, step] of openSteps) {
      onEvent({
        type: 'step:complete',
        step_id: stepId,
        job_id: step.jobId,
        reason: result.reason,
        error_type: result.error_type,
        error_message: result.error_message,
        output_dataclip_id: randomUUID(),
        mem: { job: rss, system: rss },
        duration: Math.round(performance.now() - step.startedAt),
        timestamp: microTimestamp(),
      });
    }
    openSteps.clear();
  }

  function finish(result: RunResult, rss = 0): void {
    if (isComplete) return;
    closeSteps(result, rss);
    isComplete = true;
    onEvent({
      type: 'run:complete',
      reason: result.reason,
      error_type: result.error_type,
      error_message: result.error_message,
      ...(result.final_state === undefined ? {} : { final_state: result.final_state }),
      timestamp: microTimestamp(),
    });
  }

  return {
    push,
    finish,
    get isComplete() {
      return isComplete;
    },
  };
}
