// Adaptor code runs in the host realm and logs with the global `console` (language-http
// logs every response). While a run executes, those calls become ADA log lines of that run.
// AsyncLocalStorage tells which run a call belongs to, so concurrent runs in one process
// keep their lines apart, and anything logged outside a run reaches the real console.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConsoleMethod } from './job-context.js';

type Sink = (method: ConsoleMethod, args: unknown[]) => void;

const storage = new AsyncLocalStorage<Sink>();
const METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
let original: Console | undefined;
let activeRuns = 0;

/** Node's own `(node:123) ExperimentalWarning: …` lines are about the process, not the run. */
function isProcessWarning(args: unknown[]): boolean {
  return typeof args[0] === 'string' && /^\(node:\d+\) \S*Warning:/.test(args[0]);
}

// The global `console` is swapped for one that routes the usual methods, rather than patched
// method by method: under `--frozen-intrinsics` (the worker's child processes) the console
// object is frozen, but the global binding stays writable.
function install(): void {
  if (activeRuns++ > 0) return;
  const real = globalThis.console;
  original = real;
  const capturing = Object.create(real) as Record<string, unknown>;
  for (const method of METHODS) {
    const fallback = real[method as keyof Console] as (...args: unknown[]) => void;
    // defineProperty, not assignment: a frozen prototype's `log` would refuse an assignment.
    Object.defineProperty(capturing, method, {
      value: (...args: unknown[]) => {
        const sink = storage.getStore();
        if (sink && !isProcessWarning(args)) sink(method, args);
        else fallback.apply(real, args);
      },
      writable: true,
      configurable: true,
    });
  }
  globalThis.console = capturing as unknown as Console;
}

function uninstall(): void {
  if (--activeRuns > 0) return;
  if (original) globalThis.console = original;
  original = undefined;
}

/** Run `task` with global console calls (from adaptors) sent to `sink`. */
export async function withAdaptorConsole<T>(sink: Sink, task: () => Promise<T>): Promise<T> {
  install();
  try {
    return await storage.run(sink, task);
  } finally {
    uninstall();
  }
}

/**
 * Call `fn` outside any run's console capture. Events go to the caller's `onEvent` this way,
 * so a `console.log` in the caller's handler is not mistaken for an adaptor's line (and
 * cannot loop back into another event).
 */
export function outsideAdaptorConsole<T>(fn: () => T): T {
  return storage.exit(fn);
}
