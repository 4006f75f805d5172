// Keeps one run's event stream well-formed whatever the child does: every `step:start` is closed
// by a `step:complete`, `run:complete` comes exactly once and last. When a child is killed (time,
// memory) or dies, the pool closes the open steps and the run with the same error, as OpenFn's
// worker does, so the server never sees a half-finished run: each open step stores an empty
// output (`{}`, what upstream's worker sends for a step it closes after a kill), and the run's
// log says how it ended, with the limit it went over, before the closing lines the runtime
// itself writes at a normal end ("Run complete with status: …", "<type>: <message>").

import { randomUUID } from 'node:crypto';
import type { RunEvent, RunResult } from '@lightning/runtime';

const eventTypes = new Set(['run:start', 'step:start', 'log', 'step:complete', 'run:complete']);

/** Microseconds since the epoch, as a string (worker-protocol §4). */
export function microTimestamp(): string {
  return Math.round((performance.timeOrigin + performance.now()) * 1000).toString();
}

/** The limits the run was held to, for the log line that says which one it went over. */
export interface RunLimits {
  memoryLimitMb?: number;
  timeoutMs?: number;
}

export interface RunStream {
  /** Forward an event from the child; malformed or out-of-order ones are dropped. */
  push(event: unknown): void;
  /**
   * Close open steps and the run (unless the child already did) with `result`. `rss` is the
   * child's resident memory in bytes when it was stopped.
   */
  finish(result: RunResult, rss?: number, limits?: RunLimits): void;
  readonly isComplete: boolean;
}

export function createRunStream(onEvent: (event: RunEvent) => void): RunStream {
  let hasStarted = false;
  // Lines written before run:start (the pool's adaptor install lines).
  let hasLogged = false;
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
      case 'log':
        hasLogged = true;
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
        output_state: {},
        mem: { job: rss, system: rss },
        duration: Math.round(performance.now() - step.startedAt),
        timestamp: microTimestamp(),
      });
    }
    openSteps.clear();
  }

  // The closing log lines are extra: when the caller cannot take them (its onEvent throws, which
  // is often why the pool is ending the run), they are left out so that the steps and the run
  // are still closed and the run's promise settles.
  let canLog = true;
  function log(level: 'info' | 'error', text: string, stepId?: string): void {
    if (!canLog) return;
    try {
      onEvent({
        type: 'log',
        ...(stepId ? { step_id: stepId } : {}),
        level,
        source: 'R/T',
        message: [text],
        timestamp: microTimestamp(),
      });
    } catch {
      canLog = false;
    }
  }

  function finish(result: RunResult, rss = 0, limits: RunLimits = {}): void {
    if (isComplete) return;
    // A run that never started (say its adaptor could not be installed) has no log to add to.
    if (hasStarted) {
      const stepId = [...openSteps.keys()].at(-1);
      log('error', describeEnding(result, rss, limits), stepId);
    }
    closeSteps(result, rss);
    // A run that ended before it started (its adaptor could not be installed) still gets the
    // closing lines when its log already says what happened so far.
    if (hasStarted || hasLogged) {
      log('info', `Run complete with status: ${result.reason}`);
      log('error', `${result.error_type ?? 'Error'}: ${result.error_message ?? result.reason}`);
    }
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

const MB = 1024 * 1024;

/** One line for the run's log: how the pool ended the run, and the limit it went over. */
export function describeEnding(result: RunResult, rss: number, limits: RunLimits): string {
  const used = rss > 0 ? ` (its process used ${Math.round(rss / MB)}mb)` : '';
  switch (result.error_type) {
    case 'TimeoutError':
      return limits.timeoutMs
        ? `Run killed: it did not finish within its time limit of ${limits.timeoutMs}ms`
        : `Run killed: it did not finish within its time limit (${result.error_message})`;
    case 'OOMError':
      return limits.memoryLimitMb
        ? `Run killed: it went over its memory limit of ${limits.memoryLimitMb}mb${used}`
        : `Run killed: it went over its memory limit${used}`;
    default:
      if (result.reason === 'crash') {
        return `Run crashed: ${result.error_message ?? "the run's process ended unexpectedly"}`;
      }
      return `Run ended (${result.reason}): ${result.error_message ?? 'no reason given'}`;
  }
}
