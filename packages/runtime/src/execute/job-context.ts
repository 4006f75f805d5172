// The vm context one step's job code runs in: a fresh realm with its own intrinsics, string
// code generation and wasm switched off (so `eval` / `new Function` throw EvalError → kill
// SecurityError), and no `process`, `require` or `fetch`. What it does get: a `console` that
// turns calls into JOB log lines, timers the runtime clears when the step ends, `state` (a
// legacy global) and a few Web helpers. `console` and the timers are created inside the
// context, so their `.constructor` is the context's own (code-generation-blocked) Function.
//
// This is a guard against accidents, not a security boundary: adaptor functions come from the
// host realm. The worker's child process is what isolates a run.
import vm from 'node:vm';
import { isCodeGenerationError } from './classify-error.js';

export type ConsoleMethod =
  | 'log'
  | 'info'
  | 'warn'
  | 'error'
  | 'debug'
  | 'trace'
  | 'success'
  | 'always';

export interface JobContextOptions {
  /** Used in stack traces and the context's name. */
  name: string;
  state: unknown;
  onConsole: (method: ConsoleMethod, args: unknown[]) => void;
}

export interface JobContext {
  context: vm.Context;
  /**
   * Call `thunk` from inside the context, so a synchronous infinite loop anywhere below it
   * (job code, or adaptor code calling job code) is stopped by the vm `timeout`.
   */
  runGuarded<T>(thunk: () => T, timeoutMs?: number): T;
  /**
   * Rejects with the first code-generation attempt (EvalError) made in a timer callback, which
   * has no caller to throw to: the step races it, so such an attempt ends the run as one made
   * anywhere else does (`kill` / SecurityError), not as a line in the log.
   */
  readonly codeGenerationBlocked: Promise<never>;
  /** Clears every timer the job left behind. */
  dispose(): void;
}

const INSTALL = new vm.Script(
  `(function (bridge, extras) {
  'use strict';
  const console = {};
  for (const method of bridge.methods) console[method] = (...args) => bridge.log(method, args);
  globalThis.console = Object.freeze(console);
  globalThis.setTimeout = (fn, ms, ...args) => bridge.setTimer(false, fn, ms, args);
  globalThis.setInterval = (fn, ms, ...args) => bridge.setTimer(true, fn, ms, args);
  globalThis.clearTimeout = (id) => bridge.clearTimer(id);
  globalThis.clearInterval = (id) => bridge.clearTimer(id);
  for (const key of Object.keys(extras)) globalThis[key] = extras[key];
})`,
  { filename: 'lightning-context' },
);

const CALL_KEY = '__lightningGuardedCall';
const TRAMPOLINE = new vm.Script(`globalThis.${CALL_KEY}()`, { filename: 'lightning-trampoline' });

const METHODS: ConsoleMethod[] = [
  'log',
  'info',
  'warn',
  'error',
  'debug',
  'trace',
  'success',
  'always',
];

export function createJobContext(options: JobContextOptions): JobContext {
  const context = vm.createContext(
    {},
    { name: `job ${options.name}`, codeGeneration: { strings: false, wasm: false } },
  );
  const timers = new Map<number, NodeJS.Timeout>();
  let nextTimerId = 1;
  let rejectCodeGeneration!: (error: unknown) => void;
  const codeGenerationBlocked = new Promise<never>((_, reject) => {
    rejectCodeGeneration = reject;
  });
  // Nobody may be racing it (the step already ended): never an unhandled rejection.
  codeGenerationBlocked.catch(() => undefined);

  const bridge = {
    methods: METHODS,
    log: (method: ConsoleMethod, args: unknown[]) => options.onConsole(method, args),
    setTimer: (repeat: boolean, fn: unknown, ms: unknown, args: unknown[]) => {
      if (typeof fn !== 'function')
        throw new TypeError('The "callback" argument must be a function');
      const id = nextTimerId++;
      const run = () => {
        if (!repeat) timers.delete(id);
        // A throw in a timer callback has no caller to reach; uncaught, it would end the
        // whole process. Report it on the job's log instead.
        try {
          fn(...args);
        } catch (error) {
          if (isCodeGenerationError(error)) rejectCodeGeneration(error);
          else options.onConsole('error', ['Uncaught error in a timer callback:', error]);
        }
      };
      timers.set(id, repeat ? setInterval(run, Number(ms) || 0) : setTimeout(run, Number(ms) || 0));
      return id;
    },
    clearTimer: (id: unknown) => {
      const timer = timers.get(id as number);
      if (timer) clearTimeout(timer);
      timers.delete(id as number);
    },
  };
  const extras = { Buffer, URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa };
  (INSTALL.runInContext(context) as (b: typeof bridge, e: typeof extras) => void)(bridge, extras);
  context.state = options.state;

  return {
    context,
    codeGenerationBlocked,
    runGuarded<T>(thunk: () => T, timeoutMs?: number): T {
      const previous = context[CALL_KEY];
      context[CALL_KEY] = thunk;
      try {
        return TRAMPOLINE.runInContext(context, timeoutMs ? { timeout: timeoutMs } : {}) as T;
      } finally {
        context[CALL_KEY] = previous;
      }
    },
    dispose() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
