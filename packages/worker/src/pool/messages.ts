// The IPC messages between the pool (parent) and a sandboxed child. The child is untrusted once a
// job has run in it, so the parent validates everything it receives (see `isChildMessage`) and
// never acts on a message for a run the child is not currently executing.

import type { ExecutionPlan, RunEvent, RunResult, State } from '@lightning/runtime';

/** Parent → child. */
export type ParentMessage =
  | {
      type: 'run';
      runId: string;
      plan: ExecutionPlan;
      input: State;
      adaptorsDir: string;
      /** The runtime's own in-process timeout, if on; the pool's kill stays the limit. */
      timeoutMs: number | undefined;
      /** Extra entries for run:start `versions` (the worker's version). */
      versions: Record<string, string>;
    }
  | {
      type: 'credential';
      requestId: number;
      ok: boolean;
      body?: State;
      error?: string;
    };

/** Child → parent. */
export type ChildMessage =
  /** The child imported the runtime and waits for work; `rss` is its idle resident size. */
  | { type: 'ready'; rss: number }
  | { type: 'event'; runId: string; event: RunEvent }
  | { type: 'credential'; runId: string; requestId: number; id: string }
  /** `isTainted`: the run changed something shared (a host intrinsic), so retire this child. */
  | { type: 'done'; runId: string; result: RunResult; isTainted: boolean }
  /**
   * After `done`, once the event loop has turned: what the run left running (timers, sockets,
   * handles, requests beyond the child's own when it was ready). Empty: the child may serve again.
   */
  | { type: 'idle'; runId: string; leftovers: string[] }
  /**
   * Something killed the run from inside: uncaught exception, unhandled rejection, exit().
   * `security`: what escaped was blocked code generation (an EvalError), so the run ends as
   * `kill` / SecurityError like code generation anywhere else, not as a crash.
   */
  | { type: 'fatal'; runId: string | null; message: string; security?: boolean };

const childTypes = new Set(['ready', 'event', 'credential', 'done', 'idle', 'fatal']);

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && childTypes.has(type);
}
