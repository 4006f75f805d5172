// Adaptor code runs in the host realm and logs with the global `console` (language-http
// logs every response). While a run executes, those calls become ADA log lines of that run.
// AsyncLocalStorage tells which run a call belongs to, so concurrent runs in one process
// keep their lines apart, and anything logged outside a run reaches the real console.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConsoleMethod } from './job-context.js';

type Sink = (method: ConsoleMethod, args: unknown[]) => void;

const storage = new AsyncLocalStorage<Sink>();
const METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
const originals = new Map<ConsoleMethod, (...args: unknown[]) => void>();
let activeRuns = 0;

/** Node's own `(node:123) ExperimentalWarning: …` lines are about the process, not the run. */
function isProcessWarning(args: unknown[]): boolean {
  return typeof args[0] === 'string' && /^\(node:\d+\) \S*Warning:/.test(args[0]);
}

function install(): void {
  if (activeRuns++ > 0) return;
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const method of METHODS) {
    const original = target[method];
    if (!original) continue;
    originals.set(method, original);
    target[method] = (...args: unknown[]) => {
      const sink = storage.getStore();
      if (sink && !isProcessWarning(args)) sink(method, args);
      else original.apply(console, args);
    };
  }
}

function uninstall(): void {
  if (--activeRuns > 0) return;
  const target = console as unknown as Record<string, unknown>;
  for (const [method, original] of originals) target[method] = original;
  originals.clear();
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
