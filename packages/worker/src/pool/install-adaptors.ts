// Adaptor installs for the pool: only the parent process installs (children may only read the
// adaptors folder), one npm at a time, and a run whose adaptor is missing waits for it before it
// is queued for a child.
//
// An install can take minutes on a busy machine, so it is never silent: each run waiting for one
// gets log lines (source RTE, before run:start, as the engine's own lines) saying what is being
// installed, what it waits for and how long it took, and on failure npm's own error lines; the
// worker log gets the same. `prepare` installs adaptors nobody waits for yet (a workflow was just
// saved, the worker just started), so that the first run finds them installed. `stop` ends npm
// at once when the worker shuts down: its runs end as `exception` instead of an npm living on.

import type { ExecutionPlan, InstallProgress } from '@lightning/runtime';
import { errorMessage, silentLogger, type WorkerLogger } from '../logger.js';

export type InstallAdaptor = (
  spec: string,
  options: {
    adaptorsDir: string;
    onProgress?: (progress: InstallProgress) => void;
    signal?: AbortSignal;
  },
) => Promise<unknown>;

/** Writes one line to the log of the run waiting for an install. */
export type InstallLog = (level: 'info' | 'error', message: string) => void;

export type PlanInstallation =
  | { plan: ExecutionPlan; error?: undefined }
  | { error: string; details: string[] };

export interface AdaptorInstaller {
  /** Install every adaptor the plan uses; the plan comes back with concrete versions. */
  installPlanAdaptors(plan: ExecutionPlan, log: InstallLog): Promise<PlanInstallation>;
  /** Install these in the background; failures go to the worker log only. */
  prepare(specs: readonly string[]): Promise<void>;
  /** Stop npm and every install waiting its turn (the worker is shutting down). */
  stop(): void;
}

interface Pending {
  promise: Promise<string>;
  listeners: Set<(progress: InstallProgress) => void>;
  /** The latest progress, told again to a run that starts waiting midway. */
  last?: InstallProgress;
}

export function createAdaptorInstaller(options: {
  adaptorsDir: string;
  installAdaptor?: InstallAdaptor;
  logger?: WorkerLogger;
}): AdaptorInstaller {
  const logger = options.logger ?? silentLogger;
  /** Spec as a plan names it → the concrete `name@version` that was installed. */
  const installed = new Map<string, string>();
  const pending = new Map<string, Pending>();
  const stopping = new AbortController();
  let chain: Promise<unknown> = Promise.resolve();

  async function defaultInstall(spec: string, opts: Parameters<InstallAdaptor>[1]) {
    const { installAdaptor } = await import('@lightning/runtime');
    return installAdaptor(spec, opts);
  }
  const install = options.installAdaptor ?? defaultInstall;

  function tell(entry: Pending, progress: InstallProgress): void {
    entry.last = progress;
    if (progress.type === 'installing')
      logger.info({ adaptor: progress.spec }, 'Installing adaptor');
    if (progress.type === 'installed') {
      logger.info({ adaptor: progress.spec, durationMs: progress.durationMs }, 'Installed adaptor');
    }
    for (const listener of entry.listeners) listener(progress);
  }

  /** The install of `spec`, started now or already on its way (one per spec at a time). */
  function installOnce(spec: string): Pending {
    const existing = pending.get(spec);
    if (existing) return existing;
    const entry: Pending = { promise: Promise.resolve(''), listeners: new Set() };
    entry.promise = chain.then(async () => {
      if (stopping.signal.aborted) {
        throw new Error('the worker is shutting down');
      }
      const result = await install(spec, {
        adaptorsDir: options.adaptorsDir,
        onProgress: (progress) => tell(entry, progress),
        signal: stopping.signal,
      });
      // The runtime answers with the concrete spec (`@latest` resolved); children need it.
      const concrete =
        typeof (result as { spec?: unknown })?.spec === 'string'
          ? (result as { spec: string }).spec
          : spec;
      installed.set(spec, concrete);
      return concrete;
    });
    pending.set(spec, entry);
    chain = entry.promise.catch(() => {});
    void entry.promise
      .catch((error: unknown) => {
        logger.error(
          {
            adaptor: spec,
            err: errorMessage(error),
            npm: detailsOf(error).join('\n') || undefined,
          },
          'Could not install adaptor',
        );
      })
      .finally(() => pending.delete(spec));
    return entry;
  }

  async function installPlanAdaptors(
    plan: ExecutionPlan,
    log: InstallLog,
  ): Promise<PlanInstallation> {
    // A job's further adaptors (`@openfn/language-collections`) are installed like its own.
    const specs = [
      ...new Set(jobsOf(plan).flatMap((job) => [job.adaptor, ...(job.adaptors ?? [])])),
    ].filter(Boolean);
    const concrete = new Map<string, string>();
    for (const spec of specs) {
      const known = installed.get(spec);
      if (known) {
        concrete.set(spec, known);
        continue;
      }
      const entry = installOnce(spec);
      const listener = (progress: InstallProgress) => log('info', describeProgress(progress));
      if (entry.last) listener(entry.last);
      entry.listeners.add(listener);
      try {
        concrete.set(spec, await entry.promise);
      } catch (error) {
        const message = errorMessage(error);
        const details = detailsOf(error);
        for (const line of details) log('error', line);
        return {
          error: message.includes(spec) ? message : `Could not install ${spec}: ${message}`,
          details,
        };
      } finally {
        entry.listeners.delete(listener);
      }
    }
    if (specs.every((spec) => concrete.get(spec) === spec)) return { plan };
    return {
      plan: {
        ...plan,
        jobs: jobsOf(plan).map((job) => ({
          ...job,
          adaptor: concrete.get(job.adaptor) ?? job.adaptor,
          ...(job.adaptors
            ? { adaptors: job.adaptors.map((spec) => concrete.get(spec) ?? spec) }
            : {}),
        })),
      },
    };
  }

  async function prepare(specs: readonly string[]): Promise<void> {
    const missing = [...new Set(specs)].filter((spec) => spec && !installed.has(spec));
    await Promise.all(missing.map((spec) => installOnce(spec).promise.catch(() => {})));
  }

  return { installPlanAdaptors, prepare, stop: () => stopping.abort() };
}

/** One run-log line for an install's progress. */
export function describeProgress(progress: InstallProgress): string {
  switch (progress.type) {
    case 'waiting':
      return `Waiting for another process (pid ${progress.holderPid}) to finish installing adaptors`;
    case 'installing':
      return `Installing adaptor ${progress.spec} with npm`;
    case 'installed':
      return `Installed adaptor ${progress.spec} in ${(progress.durationMs / 1000).toFixed(1)}s`;
  }
}

/** npm's own error lines carried by the runtime's AutoinstallError, if any. */
function detailsOf(error: unknown): string[] {
  const details = (error as { details?: unknown })?.details;
  return Array.isArray(details) ? details.filter((line) => typeof line === 'string') : [];
}

/** A malformed plan is the runtime's to report (it validates plans); the installer just copes. */
function jobsOf(plan: ExecutionPlan): ExecutionPlan['jobs'] {
  return Array.isArray(plan?.jobs) ? plan.jobs : [];
}
