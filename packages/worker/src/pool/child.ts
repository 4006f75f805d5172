// Entry point of a pool child: a long-lived, sandboxed Node process (see spawn-child.ts for the
// flags) that runs one run at a time with the runtime's `executePlan`, forwards every RunEvent to
// the parent, and asks the parent for credentials, which it never holds between runs.
//
// Everything the job could tamper with is captured before the first run: the IPC `send`, the real
// `exit`, and a snapshot of the host realm's intrinsics that is checked after each run, so a child
// whose shared objects were changed is retired instead of serving the next run. After each run it
// also proves it is quiescent (`idle`): nothing the run started still runs. The pool binds a child
// to one project, so module state that survives a run only ever meets runs of the same project.

import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import type { ExecuteOptions, ExecutionPlan, RunResult, State } from '@lightning/runtime';
import { snapshotIntrinsics } from './intrinsics.js';
import type { ChildMessage, ParentMessage } from './messages.js';

type ExecutePlan = (
  plan: ExecutionPlan,
  input: State,
  options: ExecuteOptions,
) => Promise<RunResult>;

const send = process.send?.bind(process);
const reallyExit = process.exit.bind(process);
// Captured before any job runs: the quiescence check after each run must not be fooled by a job
// that reached `process` or replaced a global.
const activeResources = process.getActiveResourcesInfo.bind(process);
const nextTurn = setImmediate;
if (!send) {
  process.stderr.write('pool child: must be started by the pool with an IPC channel\n');
  reallyExit(2);
}

let isDying = false;

function post(message: ChildMessage, then?: () => void): void {
  // Once the run has failed fatally, nothing the child still says (a late `done`) counts.
  if (isDying) return;
  send!(message, undefined, undefined, () => then?.());
}

let currentRunId: string | null = null;

/** Report a run-ending failure, then leave: the parent replaces this child. */
function die(message: string, security = false): void {
  if (isDying) return;
  post({ type: 'fatal', runId: currentRunId, message, security }, () => reallyExit(1));
  isDying = true;
  // If the IPC channel is gone the callback never fires.
  setTimeout(() => reallyExit(1), 1000).unref();
}

process.on('uncaughtException', (error) => {
  die(`Uncaught exception in run: ${describe(error)}`, isEvalError(error));
});
process.on('unhandledRejection', (reason) => {
  die(`Unhandled promise rejection in run: ${describe(reason)}`, isEvalError(reason));
});
// A job or adaptor that reaches `process` must not end the child quietly: the run ends with a
// clear crash message and the pool replaces the child.
process.exit = ((code?: number) => {
  die(`process.exit(${code ?? ''}) was called during the run`);
  return undefined as never;
}) as typeof process.exit;
process.abort = (() => {
  die('process.abort() was called during the run');
  return undefined as never;
}) as typeof process.abort;
process.on('disconnect', () => reallyExit(0));

/**
 * Blocked code generation (`eval`, `new Function`) throws EvalError in this child. Jobs run in
 * their own realm, so the error is not an `instanceof` the host's Error: look at its name.
 */
function isEvalError(error: unknown): boolean {
  try {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'EvalError'
    );
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'unprintable value';
  }
}

// `--frozen-intrinsics` freezes `console` too, but the runtime routes adaptors' console calls
// into the run's log by swapping its methods while a run executes: give it a mutable copy.
// The copy is in the intrinsics check below, so a run that leaves it changed retires the child.
const hostConsole = Object.assign(Object.create(Object.getPrototypeOf(console)), console);
globalThis.console = hostConsole;

// The pool passes the runtime's absolute path: the child resolves nothing through node_modules,
// which it may not read.
const runtimeModule = process.argv[2] ?? '@lightning/runtime';
const runtime = (await import(
  path.isAbsolute(runtimeModule) ? pathToFileURL(runtimeModule).href : runtimeModule
)) as {
  executePlan: ExecutePlan;
  adaptorEntry?: (packageDir: string) => string;
  adaptorPath?: (spec: string, adaptorsDir: string) => string;
};
const executePlan = runtime.executePlan;
if (typeof executePlan !== 'function') {
  process.stderr.write(`pool child: ${runtimeModule} does not export executePlan\n`);
  reallyExit(2);
}

const pendingCredentials = new Map<
  number,
  { resolve: (body: State) => void; reject: (e: Error) => void }
>();
let nextRequestId = 1;
const snapshot = () => snapshotIntrinsics([['console', hostConsole]]);
// Taken once the child is ready (below), and again whenever a run first imports an adaptor:
// what an adaptor's own module code sets up (undici registers a global dispatcher) is not the
// job's doing.
let checkIntrinsics: () => boolean = () => true;
// The same for what keeps the event loop alive (the IPC channel, stderr): the child's own.
let resourceBaseline = countResources();

process.on('message', (raw: ParentMessage) => {
  if (raw.type === 'credential') {
    const pending = pendingCredentials.get(raw.requestId);
    if (!pending) return;
    pendingCredentials.delete(raw.requestId);
    if (raw.ok && raw.body) pending.resolve(raw.body);
    else pending.reject(new Error(raw.error ?? 'credential could not be loaded'));
    return;
  }
  if (raw.type === 'run') void run(raw);
});

async function run(message: Extract<ParentMessage, { type: 'run' }>): Promise<void> {
  const { runId, plan, input, adaptorsDir, timeoutMs, versions } = message;
  currentRunId = runId;
  const loadCredential = (id: string): Promise<State> =>
    new Promise((resolve, reject) => {
      const requestId = nextRequestId++;
      pendingCredentials.set(requestId, { resolve, reject });
      post({ type: 'credential', runId, requestId, id });
    });
  let result: RunResult;
  try {
    const hasImported = await freezeAdaptorExports(
      (Array.isArray(plan.jobs) ? plan.jobs : []).map((job) => job.adaptor),
      adaptorsDir,
    );
    if (hasImported) {
      checkIntrinsics = snapshot();
      resourceBaseline = countResources();
    }
    result = await executePlan(plan, input, {
      adaptorsDir,
      timeoutMs,
      versions,
      loadCredential,
      onEvent: (event) => post({ type: 'event', runId, event }),
    });
  } catch (error) {
    // executePlan reports job failures as events; a throw is a runtime bug, so end the child.
    die(`The runtime failed: ${describe(error)}`);
    return;
  }
  pendingCredentials.clear();
  const isTainted = !checkIntrinsics();
  if (isTainted) checkIntrinsics = snapshot();
  currentRunId = null;
  // The result goes first: the run is over whatever it left behind. Then, once the `done` is
  // written and the event loop has turned (an endless `await null` loop never lets it, and the
  // parent's grace then ends this child), report what is still running that was not before.
  post({ type: 'done', runId, result, isTainted }, () => {
    nextTurn(() => post({ type: 'idle', runId, leftovers: leftoverResources() }));
  });
}

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of activeResources()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/**
 * Timers, sockets, handles and requests that keep the event loop alive beyond the baseline: work
 * the run left behind (a `setInterval`, an open connection, a pending lookup or file read). Unref'd
 * ones are not counted (adaptors' idle keep-alive sockets are unref'd): see the README.
 */
function leftoverResources(): string[] {
  const leftovers: string[] = [];
  for (const [type, count] of countResources()) {
    const extra = count - (resourceBaseline.get(type) ?? 0);
    if (extra > 0) leftovers.push(`${type} × ${extra}`);
  }
  return leftovers;
}

const frozenAdaptors = new Set<string>();

/**
 * Adaptor modules are loaded once per child and shared by its runs, so a job could leave
 * something on an exported function (`fn.trap = ...`, or replace a method of an exported object)
 * for the next run to trip over. Import each adaptor the plan names, as the runtime will (same
 * URL, so the same module instance), and freeze its exports and their prototypes first.
 * Deeper module state stays reachable by later runs of the same project only (the pool binds a
 * child to one project; see the README for why that is enough).
 */
async function freezeAdaptorExports(specs: string[], adaptorsDir: string): Promise<boolean> {
  const { adaptorEntry, adaptorPath } = runtime;
  if (!adaptorEntry || !adaptorPath) return false;
  let hasImported = false;
  for (const spec of specs) {
    if (!spec || frozenAdaptors.has(spec)) continue;
    frozenAdaptors.add(spec);
    hasImported = true;
    let namespace: Record<string, unknown>;
    try {
      namespace = await import(pathToFileURL(adaptorEntry(adaptorPath(spec, adaptorsDir))).href);
    } catch {
      continue; // The runtime reports a missing or broken adaptor as ImportError.
    }
    for (const value of Object.values(namespace)) freezeExport(value);
  }
  return hasImported;
}

function freezeExport(value: unknown): void {
  if ((typeof value !== 'function' && typeof value !== 'object') || value === null) return;
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  const prototype = (value as { prototype?: unknown }).prototype;
  if (typeof prototype === 'object' && prototype !== null) Object.freeze(prototype);
  // One level into plain exported objects (`util`, `http` helpers), not into class instances.
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const inner of Object.values(value)) {
      if (typeof inner === 'function') freezeExport(inner);
    }
  }
}

// Adaptors recent runs used: importing them now keeps a fresh child's first run from paying for it.
const [preloadDir, ...preloadSpecs] = process.argv.slice(3);
if (preloadDir && preloadSpecs.length > 0) await freezeAdaptorExports(preloadSpecs, preloadDir);
checkIntrinsics = snapshot();
resourceBaseline = countResources();

post({ type: 'ready', rss: process.memoryUsage.rss() });
