// The warm pool of sandboxed child processes that execute runs (one run per child at a time).
//
// Why processes and not worker threads: a process has its own heap that the kernel can reclaim,
// can be killed mid-instruction (`while(true){}`, `Atomics.wait`), gets an empty environment and
// Node's permission model, and shares no realm with the worker that holds the socket, the run
// tokens and the credentials. OpenFn's engine does the same (a child process per slot).
//
// Limits are enforced from the parent, never trusted to the child: a timer per run (TimeoutError),
// a heap limit per child plus resident-memory polling (OOMError, since ArrayBuffers are not heap),
// and the child's exit (crash). After any kill or crash the child is replaced and the run's event
// stream is closed by the pool (run-stream.ts).
//
// Isolation between runs (README): a child is bound to the project of its first run and serves
// only that project's runs, and after each run it must prove that nothing the run started still
// runs (`idle`) before it may serve again; otherwise it is killed.

import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import {
  type ErrorType,
  type ExecutionPlan,
  type RunEvent,
  type RunResult,
  SecurityError,
  type State,
} from '@lightning/runtime';
import type { WorkerLogger } from '../logger.js';
import { createAdaptorInstaller, type InstallAdaptor } from './install-adaptors.js';
import { type ChildMessage, isChildMessage, type ParentMessage } from './messages.js';
import { readRss } from './rss.js';
import { createRunStream, microTimestamp, type RunStream } from './run-stream.js';
import { spawnChild } from './spawn-child.js';

export type { InstallAdaptor } from './install-adaptors.js';

export interface PoolOptions {
  /** How many warm children to keep (`WORKER_CAPACITY`). */
  size: number;
  /** Shared adaptor cache; children may read it, only the parent installs into it. */
  adaptorsDir: string;
  /**
   * Retire a child after this many runs. No leak was measured (RSS flat over 8 000 runs); this
   * bounds how long module state shared by a child's runs lives. Default 1000.
   */
  maxRunsPerChild?: number;
  /** Memory limit for runs whose plan has no `run_memory_limit_mb`. Default 500 (OpenFn's). */
  memoryLimitMb?: number;
  /** Time limit for runs whose plan has no `run_timeout_ms`. Default 300 000 (OpenFn's). */
  timeoutMs?: number;
  /** How often busy children's resident memory is read. Default 50 ms. */
  memoryPollMs?: number;
  /** Installs an adaptor spec into `adaptorsDir`. Default: the runtime's `installAdaptor`. */
  installAdaptor?: InstallAdaptor;
  /** Where adaptor installs (and npm's errors) are logged. Default: nowhere. */
  logger?: WorkerLogger;
  /** Module the child loads `executePlan` from. Default `@lightning/runtime`; tests only. */
  runtimeModule?: string;
  /**
   * Children kept warm while idle (default `size`). Above it the pool grows on demand up to
   * `size` and retires children idle for `idleTimeoutMs`: an embedded instance idles light.
   */
  warm?: number;
  /** How long a child above `warm` may stay idle. Default 60 000. */
  idleTimeoutMs?: number;
  /**
   * Told when a child is replaced because of what its last run left behind (leftovers, or no
   * word within the quiescence grace): the worker logs it, so an operator can see why a project's
   * runs keep paying for new children.
   */
  onChildRetired?: (details: { pid: number | undefined; reason: string }) => void;
  /** Start children with `--frozen-intrinsics`. Default true. */
  freezeIntrinsics?: boolean;
  /** Extra entries for every run:start `versions`, e.g. `{ worker: '0.1.0' }`. */
  versions?: Record<string, string>;
  /**
   * Warm children bound to no project, kept beyond the ones serving projects while the pool is in
   * use, so that a run of a project with no idle child of its own starts at once. Default 1.
   */
  spares?: number;
  /**
   * How long a child may take, after its run's `done`, to report that nothing of the run still
   * runs (normally well under a millisecond). Silent past it (an endless microtask loop starves
   * its event loop): killed and replaced. Default 2000.
   */
  quiesceGraceMs?: number;
  /**
   * Also give the runtime the run's time limit, so its vm timeout stops a synchronous loop and
   * the child survives (the kill then follows after a grace). Off by default: Node starts a
   * watchdog thread for every timed vm call, ~0.37 ms of CPU per run (+~20 % per run here).
   */
  isRuntimeTimeoutOn?: boolean;
}

export interface PoolRunOptions {
  /** Fetch a credential body by id; only ids used by the plan's jobs are ever asked for. */
  loadCredential?: (id: string) => Promise<State>;
  /** Receives every event of the run, in order, ending with exactly one `run:complete`. */
  onEvent?: (event: RunEvent) => void;
}

export interface PoolStats {
  children: number;
  idle: number;
  busy: number;
  queued: number;
}

export interface Pool {
  /** Execute a run in a warm child. Never rejects for anything the job does. */
  run(plan: ExecutionPlan, input: State, options?: PoolRunOptions): Promise<RunResult>;
  /** Resolves once every initial child is warm; rejects if children cannot start. */
  readonly ready: Promise<void>;
  stats(): PoolStats;
  /**
   * Install adaptors before any run needs them (a workflow was saved, the worker started).
   * Resolves when they are installed or failed; failures are only logged.
   */
  prepareAdaptors(specs: readonly string[]): Promise<void>;
  /** Stop npm now: runs waiting for an install end as `exception` (the worker is stopping). */
  stopInstalls(): void;
  /** Stop all children and npm; queued and running runs end at once. */
  close(): Promise<void>;
}

const MB = 1024 * 1024;
const startupFailureLimit = 3;
const oomPattern = /heap out of memory|Reached heap limit|Allocation failed/i;

interface ActiveRun {
  id: string;
  /** Which children may take it: see `bindingOf`. */
  binding: string;
  plan: ExecutionPlan;
  input: State;
  options: PoolRunOptions;
  memoryLimitMb: number;
  timeoutMs: number;
  credentialIds: Set<string>;
  stream: RunStream;
  resolve: (result: RunResult) => void;
  isSettled: boolean;
  timer?: NodeJS.Timeout;
  lastRss: number;
  /** Children that died before they could take this run. */
  failedHandoffs: number;
  /** The child has said something about this run (so it did start). */
  hasStarted: boolean;
}

interface Slot {
  child: ChildProcess;
  heapLimitMb: number;
  /**
   * `draining`: its run has ended, and the pool waits for the child's `idle` (nothing of the run
   * still runs) before it serves again.
   */
  state: 'starting' | 'idle' | 'busy' | 'draining' | 'retiring';
  /** The binding (project) of its first run; null until then. It serves no other. */
  binding: string | null;
  /** The run whose `idle` is awaited, and the grace timer. */
  drainingRunId: string | null;
  drainTimer?: NodeJS.Timeout;
  idleRss: number;
  runs: number;
  run: ActiveRun | null;
  stderrTail: string;
  fatalMessage: string | null;
  /** A replacement was started ahead of this child's retirement. */
  hasSuccessor: boolean;
  /** When it last became idle (ms since the epoch). */
  idleSince: number;
  exited: Promise<void>;
}

/**
 * Start a warm pool of sandboxed children.
 *
 * ```ts
 * const pool = createPool({ size: 2, adaptorsDir: '.cache/adaptors' });
 * const result = await pool.run(plan, { data: {} }, { loadCredential, onEvent });
 * await pool.close();
 * ```
 */
export function createPool(options: PoolOptions): Pool {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new Error(`Pool size must be a positive integer (got ${options.size})`);
  }
  const maxRunsPerChild = options.maxRunsPerChild ?? 1000;
  const successorAfter = maxRunsPerChild - Math.max(1, Math.floor(maxRunsPerChild / 20));
  const defaultMemoryMb = options.memoryLimitMb ?? 500;
  const defaultTimeoutMs = options.timeoutMs ?? 300_000;
  const memoryPollMs = options.memoryPollMs ?? 50;
  if (options.warm !== undefined && (!Number.isInteger(options.warm) || options.warm < 1)) {
    throw new Error(`Pool warm must be a positive integer (got ${options.warm})`);
  }
  const warmTarget = Math.min(options.size, options.warm ?? options.size);
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  if (options.spares !== undefined && (!Number.isInteger(options.spares) || options.spares < 0)) {
    throw new Error(`Pool spares must be a non-negative integer (got ${options.spares})`);
  }
  const spares = options.spares ?? 1;
  const quiesceGraceMs = options.quiesceGraceMs ?? 2000;
  // When a run last arrived: spares are kept while the pool is in use, not while it idles.
  let lastRunAt = Number.NEGATIVE_INFINITY;
  let trimTimer: NodeJS.Timeout | undefined;
  const installer = createAdaptorInstaller(options);
  // Node's permission model only grants a folder that exists when the child starts; the parent
  // installs into it later.
  mkdirSync(options.adaptorsDir, { recursive: true });

  const slots: Slot[] = [];
  const queue: ActiveRun[] = [];
  let isClosed = false;
  let startupFailures = 0;
  let respawnTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let lastStartupError = '';
  // The heap limit new children get: the one the latest runs asked for.
  let preferredHeapMb = defaultMemoryMb;
  // Adaptors of the latest runs, which new children import before they report ready.
  const recentAdaptors = new Set<string>();

  let markReady!: () => void;
  let failReady!: (error: Error) => void;
  let isReadySettled = false;
  let warmChildren = 0;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // Nobody may be awaiting `ready`; a failed start also surfaces through the runs.
  ready.catch(() => {});

  function liveSlots(): Slot[] {
    return slots.filter((slot) => slot.state !== 'retiring');
  }

  function countState(state: Slot['state']): number {
    return slots.filter((slot) => slot.state === state).length;
  }

  /** In use: runs are running, waiting or draining, or one arrived within `idleTimeoutMs`. */
  function isActive(): boolean {
    return (
      queue.length > 0 ||
      slots.some((slot) => slot.state === 'busy' || slot.state === 'draining') ||
      Date.now() - lastRunAt < idleTimeoutMs
    );
  }

  /**
   * Children wanted now: the warm ones, or as many as runs need (never more than `size` serve
   * runs at once), plus the spares while the pool is in use.
   */
  function targetChildren(): number {
    const busy = countState('busy');
    const serving = Math.min(options.size, Math.max(warmTarget, busy + queue.length));
    return serving + (isActive() ? spares : 0);
  }

  function replenish(): void {
    if (isClosed) return;
    while (liveSlots().length < targetChildren()) startChild(preferredHeapMb);
    // Keep the spares: if every child is bound and the pool is full, the least recently used
    // idle child of a project no waiting run needs makes way (its retirement starts a fresh one).
    const unbound = slots.filter(
      (slot) => slot.binding === null && (slot.state === 'idle' || slot.state === 'starting'),
    ).length;
    if (isActive() && unbound < spares) {
      const stale = leastRecentlyUsed(
        slots.filter(
          (slot) =>
            slot.state === 'idle' &&
            slot.binding !== null &&
            !queue.some((run) => run.binding === slot.binding),
        ),
      );
      if (stale) {
        retire(stale);
        return;
      }
    }
    scheduleTrim();
  }

  /**
   * Retire children above the target (spares once the pool idles, children grown above `warm`)
   * once they have been idle for `idleTimeoutMs`; bound children first, so that what stays warm
   * can serve any project.
   */
  function scheduleTrim(): void {
    if (trimTimer || isClosed || liveSlots().length <= warmTarget) return;
    trimTimer = setTimeout(
      () => {
        trimTimer = undefined;
        if (isClosed) return;
        const now = Date.now();
        let surplus = liveSlots().length - targetChildren();
        const candidates = slots
          .filter((slot) => slot.state === 'idle' && now - slot.idleSince >= idleTimeoutMs)
          .sort((a, b) => Number(a.binding === null) - Number(b.binding === null));
        for (const slot of candidates) {
          if (surplus <= 0) break;
          stopChild(slot);
          surplus--;
        }
        scheduleTrim();
      },
      Math.max(10, Math.min(idleTimeoutMs, 5_000)),
    );
    trimTimer.unref();
  }

  /** Stop a child without replacing it here (its exit does, if the pool still wants one). */
  function stopChild(slot: Slot): void {
    clearTimeout(slot.drainTimer);
    slot.state = 'retiring';
    slot.child.kill('SIGKILL');
  }

  function startChild(heapLimitMb: number): void {
    const child = spawnChild({
      heapLimitMb,
      adaptorsDir: options.adaptorsDir,
      runtimeModule: options.runtimeModule,
      freezeIntrinsics: options.freezeIntrinsics,
      preloadAdaptors: [...recentAdaptors],
    });
    let onExit!: () => void;
    const slot: Slot = {
      child,
      heapLimitMb,
      state: 'starting',
      binding: null,
      drainingRunId: null,
      idleRss: 0,
      runs: 0,
      run: null,
      stderrTail: '',
      fatalMessage: null,
      hasSuccessor: false,
      idleSince: Date.now(),
      exited: new Promise<void>((resolve) => {
        onExit = resolve;
      }),
    };
    slots.push(slot);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      slot.stderrTail = (slot.stderrTail + chunk).slice(-4096);
    });
    child.on('message', (message) => onChildMessage(slot, message));
    child.on('error', () => {
      // Spawn or IPC failure: make sure the process is gone; 'exit' does the rest.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    // 'close', not 'exit': it comes after stderr has been read to the end, and V8's
    // "JavaScript heap out of memory" report is on stderr.
    child.on('close', (code, signal) => {
      onExit();
      onChildExit(slot, code, signal);
    });
  }

  function onChildMessage(slot: Slot, message: unknown): void {
    if (!isChildMessage(message)) return;
    if (message.type === 'ready') {
      if (slot.state !== 'starting') return;
      slot.state = 'idle';
      slot.idleSince = Date.now();
      slot.idleRss = readRss(slot.child.pid ?? -1) ?? message.rss;
      startupFailures = 0;
      warmChildren++;
      if (!isReadySettled && warmChildren >= warmTarget) {
        isReadySettled = true;
        markReady();
      }
      dispatch();
      return;
    }
    if (message.type === 'idle') {
      onIdle(slot, message);
      return;
    }
    if (message.type === 'fatal') {
      slot.fatalMessage = String(message.message).slice(0, 1000);
      // The child exits by itself; end its run now rather than on its exit. A child that dies
      // while starting is left to its exit, which counts it as a failed start.
      if (slot.run) {
        kill(
          slot,
          slot.run,
          message.security === true ? securityResult() : crashResult(slot.fatalMessage),
        );
      } else if (slot.state !== 'starting') retire(slot);
      return;
    }
    const run = slot.run;
    if (!run || run.isSettled || message.runId !== run.id) return;
    run.hasStarted = true;
    if (message.type === 'event') {
      try {
        run.stream.push(message.event);
      } catch (error) {
        // The caller's onEvent threw: that run cannot be reported any more, so end it.
        kill(slot, run, crashResult(`Handling a run event failed: ${describe(error)}`));
      }
    } else if (message.type === 'credential') void answerCredential(slot, run, message);
    else if (message.type === 'done') finishRun(slot, run, message);
  }

  function onChildExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    slots.splice(slots.indexOf(slot), 1);
    const wasStarting = slot.state === 'starting';
    clearTimeout(slot.drainTimer);
    slot.state = 'retiring';
    const run = slot.run;
    slot.run = null;
    if (run && !run.isSettled) {
      if (!run.hasStarted && !slot.fatalMessage && !isClosed) {
        // The child died before it took the run up (say it was killed while idle): the run has
        // not started, so it goes back to the front of the queue. No job code can have run
        // unnoticed: the runtime's first act is run:start, written to a pipe the parent had
        // drained (a run is only dispatched after the previous one's `done` was read).
        requeue(run, `exit code ${code}, signal ${signal}`);
      } else {
        settle(run, exitResult(slot, code, signal), slot);
      }
    }
    if (isClosed) return;
    if (wasStarting) {
      startupFailures++;
      lastStartupError =
        slot.fatalMessage ?? (lastLine(slot.stderrTail) || `exit code ${code}, signal ${signal}`);
      if (startupFailures >= startupFailureLimit) {
        failStartup();
        // Keep trying, slowly, so the pool recovers when the cause (say a missing build) is fixed.
        respawnTimer ??= setTimeout(() => {
          respawnTimer = undefined;
          replenish();
        }, 1000);
        return;
      }
    }
    replenish();
    dispatch();
  }

  function failStartup(): void {
    const message = `The run's process could not start: ${lastStartupError}`;
    if (!isReadySettled) {
      isReadySettled = true;
      failReady(new Error(message));
    }
    for (const run of queue.splice(0)) {
      settle(run, { reason: 'crash', error_type: 'RuntimeCrash', error_message: message });
    }
  }

  /** Why a child that was running a run went away. */
  function exitResult(slot: Slot, code: number | null, signal: string | null): RunResult {
    if (oomPattern.test(slot.stderrTail)) return oomResult();
    if (slot.fatalMessage) {
      return { reason: 'crash', error_type: 'RuntimeCrash', error_message: slot.fatalMessage };
    }
    return {
      reason: 'crash',
      error_type: 'RuntimeCrash',
      error_message: `The run's process exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`,
    };
  }

  function dispatch(): void {
    if (isClosed) return;
    for (let i = 0; i < queue.length; ) {
      if (countState('busy') >= options.size) break;
      const run = queue[i]!;
      const slot = childFor(run);
      if (slot) {
        queue.splice(i, 1);
        startRun(slot, run);
      } else {
        i++;
      }
    }
    // A run may just have bound the last unbound child: start a spare.
    replenish();
    // The oldest waiting run has no child it may use (none of its project, none unbound with its
    // heap limit) and none on the way: start one if the pool has room, else retire the least
    // recently used idle child (no waiting run can use it) so that its replacement serves this run.
    const head = queue[0];
    if (!head || countState('busy') >= options.size) return;
    const isComing = slots.some(
      (s) =>
        s.heapLimitMb === head.memoryLimitMb &&
        (s.state === 'starting' || (s.state === 'draining' && s.binding === head.binding)),
    );
    if (isComing) return;
    preferredHeapMb = head.memoryLimitMb;
    if (liveSlots().length < targetChildren()) {
      replenish();
      return;
    }
    const idle = leastRecentlyUsed(slots.filter((s) => s.state === 'idle'));
    if (idle) retire(idle);
  }

  /**
   * An idle child of the run's project (with the run's heap limit), else an unbound one, which
   * the run then binds. While a child of its project is draining (its `idle` normally follows
   * `done` within a millisecond) the run waits for it rather than take the spare: under load,
   * taking the spare would cost a child start per run.
   */
  function childFor(run: ActiveRun): Slot | undefined {
    const fits = (s: Slot) => s.heapLimitMb === run.memoryLimitMb;
    const own = slots.find((s) => s.state === 'idle' && fits(s) && s.binding === run.binding);
    if (own) return own;
    if (slots.some((s) => s.state === 'draining' && fits(s) && s.binding === run.binding)) {
      return undefined;
    }
    return slots.find((s) => s.state === 'idle' && fits(s) && s.binding === null);
  }

  function startRun(slot: Slot, run: ActiveRun): void {
    for (const job of jobsOf(run.plan)) rememberAdaptor(job.adaptor);
    slot.state = 'busy';
    slot.binding = run.binding;
    slot.run = run;
    slot.fatalMessage = null;
    // With the runtime's own timeout on, it stops most overruns itself (a vm timeout interrupts
    // a synchronous loop) and the child stays usable; the kill, a little later, is for what it
    // cannot stop: `Atomics.wait`, a microtask loop, a wedged child.
    run.timer = setTimeout(
      () => {
        kill(slot, run, {
          reason: 'kill',
          error_type: 'TimeoutError',
          error_message: `Workflow failed to return within ${run.timeoutMs}ms`,
        });
      },
      run.timeoutMs + (options.isRuntimeTimeoutOn ? killGraceMs(run.timeoutMs) : 0),
    );
    const message: ParentMessage = {
      type: 'run',
      runId: run.id,
      // The limits in force, so the runtime's first log lines state them (and derive its
      // state-size limit from the memory limit) even when the plan left them to the worker.
      plan: {
        ...run.plan,
        options: {
          ...run.plan.options,
          run_timeout_ms: run.timeoutMs,
          run_memory_limit_mb: run.memoryLimitMb,
        },
      },
      input: run.input,
      adaptorsDir: options.adaptorsDir,
      timeoutMs: options.isRuntimeTimeoutOn ? run.timeoutMs : undefined,
      versions: options.versions ?? {},
    };
    slot.child.send(message, (error) => {
      if (!error || run.isSettled || slot.run !== run) return;
      slot.run = null;
      retire(slot);
      requeue(run, error.message);
    });
    pollTimer ??= setInterval(pollMemory, memoryPollMs);
  }

  /** Put a run that never started back at the front of the queue, a few times at most. */
  function requeue(run: ActiveRun, why: string): void {
    clearTimeout(run.timer);
    if (++run.failedHandoffs >= startupFailureLimit) {
      settle(run, crashResult(`Could not hand the run to its process: ${why}`));
      return;
    }
    queue.unshift(run);
    dispatch();
  }

  function rememberAdaptor(spec: string): void {
    if (!spec || recentAdaptors.has(spec)) return;
    recentAdaptors.add(spec);
    if (recentAdaptors.size > 4) recentAdaptors.delete(recentAdaptors.values().next().value!);
  }

  function pollMemory(): void {
    let busy = 0;
    for (const slot of slots) {
      const run = slot.run;
      if (slot.state !== 'busy' || !run) continue;
      busy++;
      const rss = readRss(slot.child.pid ?? -1);
      if (rss === null) continue;
      run.lastRss = rss;
      if (rss - slot.idleRss > run.memoryLimitMb * MB) kill(slot, run, oomResult());
    }
    if (busy === 0 && pollTimer) {
      clearInterval(pollTimer);
      pollTimer = undefined;
    }
  }

  async function answerCredential(
    slot: Slot,
    run: ActiveRun,
    message: Extract<ChildMessage, { type: 'credential' }>,
  ): Promise<void> {
    let reply: ParentMessage;
    const base = { type: 'credential' as const, requestId: message.requestId };
    if (!run.credentialIds.has(message.id)) {
      // A child asking for a credential its plan does not use is compromised or buggy.
      reply = { ...base, ok: false, error: `Credential ${message.id} is not used by this run` };
    } else if (!run.options.loadCredential) {
      reply = { ...base, ok: false, error: 'No credential loader was given for this run' };
    } else {
      try {
        reply = { ...base, ok: true, body: await run.options.loadCredential(message.id) };
      } catch (error) {
        reply = {
          ...base,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }
    if (slot.run !== run || run.isSettled) return;
    slot.child.send(reply, () => {});
  }

  function finishRun(
    slot: Slot,
    run: ActiveRun,
    message: Extract<ChildMessage, { type: 'done' }>,
  ): void {
    settle(run, checkResult(message.result), slot);
    slot.run = null;
    slot.runs++;
    // A failed import stays in the child's module map: an adaptor caught half-installed (another
    // process running npm in the adaptors folder) would fail every later run in this child too.
    const hadImportError = message.result.error_type === 'ImportError';
    if (message.isTainted || hadImportError || slot.runs >= maxRunsPerChild) {
      retire(slot);
    } else {
      // Not yet reusable: the child must first show that nothing of the run still runs.
      slot.state = 'draining';
      slot.drainingRunId = run.id;
      slot.drainTimer = setTimeout(() => {
        if (slot.state !== 'draining') return;
        reportRetired(
          slot,
          `its run left the event loop busy: no word within ${quiesceGraceMs}ms of the run's end`,
        );
        retire(slot);
        dispatch();
      }, quiesceGraceMs);
    }
    dispatch();
  }

  /** The child's word after `done`: clean → it serves again; anything left running → replaced. */
  function onIdle(slot: Slot, message: Extract<ChildMessage, { type: 'idle' }>): void {
    if (slot.state !== 'draining' || message.runId !== slot.drainingRunId) return;
    clearTimeout(slot.drainTimer);
    slot.drainingRunId = null;
    const leftovers = Array.isArray(message.leftovers) ? message.leftovers : [];
    if (leftovers.length > 0) {
      reportRetired(slot, `its run left work running: ${leftovers.slice(0, 10).join(', ')}`);
      retire(slot);
    } else {
      slot.state = 'idle';
      slot.idleSince = Date.now();
      // Start the successor of a child near the end of its life while it still serves, so
      // that its retirement leaves no gap in capacity.
      if (!slot.hasSuccessor && slot.runs >= successorAfter) {
        slot.hasSuccessor = true;
        startChild(preferredHeapMb);
      }
    }
    dispatch();
  }

  /** End the run now, then kill its child; the child's exit brings a replacement. */
  function kill(slot: Slot, run: ActiveRun, result: RunResult): void {
    if (run.isSettled) return;
    settle(run, result, slot);
    retire(slot);
  }

  function reportRetired(slot: Slot, reason: string): void {
    try {
      options.onChildRetired?.({ pid: slot.child.pid, reason });
    } catch {
      // A logger that throws must not leave the child half-retired.
    }
  }

  function retire(slot: Slot): void {
    stopChild(slot);
    replenish();
    trimSuccessors();
  }

  /** A successor started early is surplus if its predecessor died before retiring normally. */
  function trimSuccessors(): void {
    let surplus = liveSlots().length - targetChildren();
    for (const slot of slots) {
      if (surplus <= 0) break;
      if (slot.state === 'idle' && slot.hasSuccessor) {
        stopChild(slot);
        surplus--;
      }
    }
  }

  function leastRecentlyUsed(candidates: Slot[]): Slot | undefined {
    return candidates.reduce<Slot | undefined>(
      (oldest, slot) => (!oldest || slot.idleSince < oldest.idleSince ? slot : oldest),
      undefined,
    );
  }

  function settle(run: ActiveRun, result: RunResult, slot?: Slot): void {
    if (run.isSettled) return;
    run.isSettled = true;
    clearTimeout(run.timer);
    // Memory is only reported on steps the pool has to close itself.
    const rss = slot && !run.stream.isComplete ? (readRss(slot.child.pid ?? -1) ?? run.lastRss) : 0;
    try {
      run.stream.finish(result, rss, {
        memoryLimitMb: run.memoryLimitMb,
        timeoutMs: run.timeoutMs,
      });
    } catch {
      // The caller's onEvent threw while the run was being closed: the run ends all the same,
      // and the pool's own state (this child's retirement) must not be left half-done.
    }
    run.resolve(result);
  }

  async function run(
    plan: ExecutionPlan,
    input: State,
    runOptions: PoolRunOptions = {},
  ): Promise<RunResult> {
    if (isClosed) throw new Error('The pool is closed');
    const stream = createRunStream(runOptions.onEvent ?? (() => {}));
    const installation = await installer.installPlanAdaptors(plan, (level, message) =>
      stream.push({
        type: 'log',
        level,
        source: 'RTE',
        message: [message],
        timestamp: microTimestamp(),
      }),
    );
    if (installation.error !== undefined) {
      const result: RunResult = {
        reason: 'exception',
        error_type: 'AutoinstallError',
        error_message: installation.error,
      };
      stream.finish(result);
      return result;
    }
    const runPlan = installation.plan;
    return new Promise<RunResult>((resolve) => {
      const active: ActiveRun = {
        id: randomUUID(),
        binding: bindingOf(plan),
        plan: runPlan,
        input,
        options: runOptions,
        memoryLimitMb: positiveOr(plan.options?.run_memory_limit_mb, defaultMemoryMb),
        timeoutMs: positiveOr(plan.options?.run_timeout_ms, defaultTimeoutMs),
        credentialIds: new Set(
          jobsOf(plan).flatMap((job) => (job.credential_id ? [job.credential_id] : [])),
        ),
        stream,
        resolve,
        isSettled: false,
        lastRss: 0,
        failedHandoffs: 0,
        hasStarted: false,
      };
      if (isClosed) {
        settle(active, closedResult('before it started'));
        return;
      }
      queue.push(active);
      lastRunAt = Date.now();
      // Above the warm count, a child is started for a run that finds none idle.
      if (!slots.some((slot) => slot.state === 'idle')) replenish();
      dispatch();
    });
  }

  async function close(): Promise<void> {
    if (isClosed) return;
    isClosed = true;
    installer.stop();
    clearTimeout(respawnTimer);
    clearInterval(pollTimer);
    clearTimeout(trimTimer);
    for (const run of queue.splice(0)) settle(run, closedResult('before it started'));
    for (const slot of slots) {
      if (slot.run) settle(slot.run, closedResult('while it was running'), slot);
      stopChild(slot);
    }
    if (!isReadySettled) {
      isReadySettled = true;
      failReady(new Error('The pool was closed before it was ready'));
    }
    await Promise.all(slots.map((slot) => slot.exited));
  }

  function stats(): PoolStats {
    return {
      children: liveSlots().length,
      idle: slots.filter((s) => s.state === 'idle').length,
      busy: slots.filter((s) => s.state === 'busy').length,
      queued: queue.length,
    };
  }

  replenish();
  return {
    run,
    ready,
    stats,
    prepareAdaptors: installer.prepare,
    stopInstalls: installer.stop,
    close,
  };
}

function oomResult(): RunResult {
  return {
    reason: 'kill',
    error_type: 'OOMError',
    error_message: 'Run exceeded maximum memory usage',
  };
}

function crashResult(message: string): RunResult {
  return { reason: 'crash', error_type: 'RuntimeCrash', error_message: message };
}

/** Code generation that escaped the runtime (say in an unhandled rejection): as the runtime ends it. */
function securityResult(): RunResult {
  const error = new SecurityError();
  return { reason: error.severity, error_type: error.type, error_message: error.message };
}

function closedResult(when: string): RunResult {
  return { reason: 'exception', error_type: null, error_message: `The worker shut down ${when}` };
}

const reasons = new Set(['success', 'fail', 'crash', 'kill', 'exception']);

/** The child is untrusted: accept its result only in the expected shape. */
function checkResult(result: unknown): RunResult {
  const r = result as RunResult | null;
  if (!r || typeof r !== 'object' || !reasons.has(r.reason)) {
    return crashResult('The run ended without a valid result');
  }
  return {
    reason: r.reason,
    error_type: typeof r.error_type === 'string' ? (r.error_type as ErrorType) : null,
    error_message: typeof r.error_message === 'string' ? r.error_message : null,
    ...(r.final_state === undefined ? {} : { final_state: r.final_state }),
  };
}

/**
 * Which children a run may use. Runs of one project share children: what a later run of the
 * project could find in module state, its editors could already reach (README). A plan without a
 * project id (an embedder's own plans, `lightning execute`) shares only with runs of the same plan
 * id; from a server the plan id is the run id, so such a run gets a child of its own.
 */
function bindingOf(plan: ExecutionPlan): string {
  const projectId = (plan as { project_id?: unknown }).project_id;
  if (typeof projectId === 'string' && projectId !== '') return `project:${projectId}`;
  return `plan:${String((plan as { id?: unknown }).id)}`;
}

/** A malformed plan is the runtime's to report (it validates plans); the pool just copes. */
function jobsOf(plan: ExecutionPlan): ExecutionPlan['jobs'] {
  return Array.isArray(plan?.jobs) ? plan.jobs : [];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** How long after the run's time limit the child is killed if the runtime has not ended it. */
function killGraceMs(timeoutMs: number): number {
  // The runtime's clock starts after the child got the run and compiled the job, later than
  // the pool's, by up to a few hundred ms on a busy machine (more than a second on an overloaded
  // one, where an early kill would throw away a child that was about to stop the run itself).
  return Math.min(5000, Math.max(2000, timeoutMs / 10));
}

function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 500);
}
