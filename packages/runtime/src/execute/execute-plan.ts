// Runs a whole plan (runtime.md "Workflows"): steps one at a time, breadth-first from the
// starting node, following the edges whose conditions pass, and emits the run's events in
// order: run:start, version/limit lines, per step step:start / logs / step:complete, then
// run:complete. Events go to `options.onEvent`; nothing is returned until the run is over.
import { randomUUID } from 'node:crypto';
import { isInstalled } from '../adaptors/adaptor-path.js';
import { DEFAULT_ALLOW_LIST } from '../adaptors/adaptor-spec.js';
import { installAdaptor } from '../adaptors/install-adaptor.js';
import { CredentialLoadError, DataClipError, RunError, RuntimeCrash } from '../errors.js';
import type {
  ExecuteOptions,
  ExecutionPlan,
  LogLevel,
  LogSource,
  RunEvent,
  RunResult,
  State,
} from '../types.js';
import { outsideAdaptorConsole, withAdaptorConsole } from './adaptor-console.js';
import { errorMessage } from './classify-error.js';
import { microTimestamp } from './clock.js';
import { executeStep, type StepEnvironment, type StepOutcome } from './execute-step.js';
import type { ConsoleMethod } from './job-context.js';
import { formatLogMessage } from './log-message.js';
import { buildPlanGraph, type PlanGraph } from './plan-graph.js';
import { toSafeJson } from './safe-json.js';
import { createScrubber, type Scrubber } from './scrub-secrets.js';
import { collectVersions, versionsBanner } from './versions.js';

const LEVEL_OF: Record<ConsoleMethod, LogLevel> = {
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  debug: 'debug',
  trace: 'debug',
  success: 'success',
  always: 'always',
};
const RANK: Record<string, number> = { debug: 0, info: 1, success: 1, warn: 2, error: 3, none: 9 };

interface Leaf {
  key: string;
  outcome: StepOutcome | null;
  json: string;
  dataclipId?: string;
}

interface QueueItem {
  jobId: string;
  json: string;
  dataclipId?: string;
}

function normalizeInput(input: unknown): State {
  if (input === undefined || input === null) return { data: {}, configuration: {} };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new DataClipError(
      `The input state must be a JSON object (got ${Array.isArray(input) ? 'an array' : typeof input})`,
    );
  }
  return input as State;
}

async function loadCredentials(
  plan: ExecutionPlan,
  loadCredential: ExecuteOptions['loadCredential'],
): Promise<Map<string, State>> {
  const credentials = new Map<string, State>();
  for (const job of plan.jobs) {
    const id = job.credential_id;
    if (!id || credentials.has(id)) continue;
    if (!loadCredential) {
      throw new CredentialLoadError(
        `Job ${job.name || job.id} needs credential ${id}, but no loadCredential was given`,
      );
    }
    let body: unknown;
    try {
      body = await loadCredential(id);
    } catch (error) {
      throw new CredentialLoadError(`Could not load credential ${id}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CredentialLoadError(`Credential ${id} is not a JSON object`);
    }
    credentials.set(id, body as State);
  }
  return credentials;
}

/**
 * Install the adaptors a plan uses that are missing, and return the plan with every adaptor
 * at a concrete version (`@latest` resolved), so the steps load exactly what was installed.
 */
async function installPlanAdaptors(
  plan: ExecutionPlan,
  options: ExecuteOptions,
): Promise<ExecutionPlan> {
  const concrete = new Map<string, string>();
  const specs = plan.jobs.flatMap((job) => [job.adaptor, ...(job.adaptors ?? [])]);
  for (const spec of new Set(specs.filter(Boolean))) {
    const installed = isInstalled(spec, options.adaptorsDir)
      ? { spec }
      : await installAdaptor(spec, {
          adaptorsDir: options.adaptorsDir,
          allowList: options.allowList,
        });
    concrete.set(spec, installed.spec);
  }
  return {
    ...plan,
    jobs: plan.jobs.map((job) => ({
      ...job,
      adaptor: concrete.get(job.adaptor) ?? job.adaptor,
      ...(job.adaptors ? { adaptors: job.adaptors.map((spec) => concrete.get(spec) ?? spec) } : {}),
    })),
  };
}

/**
 * Execute a run plan.
 *
 * @example
 * const result = await executePlan(plan, { data: {} }, {
 *   adaptorsDir: '/var/lightning/adaptors',
 *   loadCredential: (id) => fetchCredential(id),
 *   onEvent: (event) => send(event),
 * });
 */
export async function executePlan(
  plan: ExecutionPlan,
  input: State | undefined,
  options: ExecuteOptions,
): Promise<RunResult> {
  const planOptions = plan.options ?? {};
  const emit = (event: RunEvent) => outsideAdaptorConsole(() => options.onEvent(event));
  const logLimit = { limitMb: planOptions.log_payload_limit_mb };
  // Secrets of the credential of the step that is running (see scrub-secrets.ts).
  let scrub: Scrubber = (message) => message;
  const log = (level: LogLevel, source: LogSource, message: unknown[], stepId?: string) =>
    emit({
      type: 'log',
      level,
      source,
      message: formatLogMessage(message, { ...logLimit, scrub: (m) => scrub(m) }),
      timestamp: microTimestamp(),
      ...(stepId ? { step_id: stepId } : {}),
    });
  const minimumJobRank = RANK[planOptions.job_log_level ?? ''] ?? 0;
  const consoleLine =
    (source: LogSource) => (method: ConsoleMethod, args: unknown[], stepId?: string) => {
      const level = LEVEL_OF[method];
      if (source === 'JOB' && level !== 'always' && (RANK[level] ?? 0) < minimumJobRank) return;
      emit({
        type: 'log',
        level,
        source,
        message: formatLogMessage(args, {
          ...logLimit,
          sanitize: planOptions.sanitize,
          scrub: (m) => scrub(m),
        }),
        timestamp: microTimestamp(),
        ...(stepId ? { step_id: stepId } : {}),
      });
    };

  const finish = (result: RunResult, finalDataclipId?: string): RunResult => {
    log('info', 'R/T', [`Run complete with status: ${result.reason}`]);
    if (result.error_type) log('error', 'R/T', [`${result.error_type}: ${result.error_message}`]);
    emit({
      type: 'run:complete',
      ...result,
      ...(finalDataclipId ? { final_dataclip_id: finalDataclipId } : {}),
      timestamp: microTimestamp(),
    });
    return result;
  };

  // Installing first lets run:start report the versions actually installed.
  let installError: unknown;
  if (options.autoinstall) {
    try {
      plan = await installPlanAdaptors(plan, options);
    } catch (error) {
      installError = error;
    }
  }
  const versions = collectVersions(plan, options.versions);
  emit({ type: 'run:start', versions, timestamp: microTimestamp() });

  let currentStepId: string | undefined;
  try {
    if (installError) throw installError;
    const graph = buildPlanGraph(plan);
    const initial = normalizeInput(input);

    const memory = planOptions.run_memory_limit_mb;
    const timeout = planOptions.run_timeout_ms;
    log('info', 'R/T', [`Memory limit: ${memory ? `${memory}mb` : 'none'}`]);
    log('info', 'R/T', [`Timeout: ${timeout ? `${timeout / 1000}s` : 'none'}`]);
    if (planOptions.payload_limit_mb) {
      log('info', 'R/T', [`Payload limit: ${planOptions.payload_limit_mb}mb`]);
    }
    log('info', 'VER', [versionsBanner(versions)]);

    const credentials = await loadCredentials(plan, options.loadCredential);

    const env: StepEnvironment = {
      adaptorsDir: options.adaptorsDir,
      allowList: options.allowList ?? DEFAULT_ALLOW_LIST,
      emit,
      log,
      jobLog: consoleLine('JOB'),
      timeoutMs: options.timeoutMs,
      payloadLimitMb: planOptions.payload_limit_mb,
      stateLimitMb: options.stateLimitMb ?? (memory ? memory / 4 : undefined),
    };
    const adaptorLine = consoleLine('ADA');
    const walk = () =>
      walkGraph(graph, initial, plan, env, credentials, (stepId, credential) => {
        currentStepId = stepId;
        scrub = createScrubber(credential);
      });
    const { result, finalDataclipId } =
      options.captureAdaptorConsole === false
        ? await walk()
        : await withAdaptorConsole(
            (method, args) => adaptorLine(method, args, currentStepId),
            walk,
          );
    return finish(result, finalDataclipId);
  } catch (thrown) {
    const error =
      thrown instanceof RunError
        ? thrown
        : new RuntimeCrash((thrown as Error)?.name ?? 'Error', errorMessage(thrown));
    return finish({ reason: error.severity, error_type: error.type, error_message: error.message });
  }
}

async function walkGraph(
  graph: PlanGraph,
  initial: State,
  plan: ExecutionPlan,
  env: StepEnvironment,
  credentials: Map<string, State>,
  onStep: (stepId: string | undefined, credential?: State) => void,
): Promise<{ result: RunResult; finalDataclipId?: string }> {
  const initialJson = toSafeJson(initial);
  const queue: QueueItem[] = [];
  const leaves: Leaf[] = [];

  if (graph.triggers.has(graph.start)) {
    const followed = (graph.outgoing.get(graph.start) ?? []).filter(({ test }) =>
      test(JSON.parse(initialJson) as State, undefined),
    );
    for (const { target } of followed) {
      queue.push({ jobId: target, json: initialJson, dataclipId: plan.dataclip_id });
    }
    if (!followed.length) leaves.push({ key: graph.start, outcome: null, json: initialJson });
  } else {
    queue.push({ jobId: graph.start, json: initialJson, dataclipId: plan.dataclip_id });
  }

  const runs = new Map<string, number>();
  while (queue.length) {
    const item = queue.shift()!;
    const job = graph.jobs.get(item.jobId)!;
    // A job reached a second time is a new step: new step id, and `<job>-1` as its key.
    const count = runs.get(job.id) ?? 0;
    runs.set(job.id, count + 1);
    const key = count === 0 ? job.id : `${job.id}-${count}`;
    const stepId = randomUUID();
    const outputDataclipId = randomUUID();

    const own = job.credential_id ? credentials.get(job.credential_id) : undefined;
    const credential = plan.credentials ? { ...plan.credentials, ...own } : own;
    onStep(stepId, credential);
    const outcome = await executeStep(
      {
        job,
        stepId,
        outputDataclipId,
        state: JSON.parse(item.json) as State,
        inputDataclipId: item.dataclipId,
        credential,
      },
      env,
    );
    onStep(undefined);
    if (outcome.error && outcome.error.severity !== 'fail') throw outcome.error;

    const followed = (graph.outgoing.get(job.id) ?? []).filter(({ test }) =>
      test(JSON.parse(outcome.json) as State, job.id),
    );
    const dataclipId = outcome.withheld ? undefined : outputDataclipId;
    for (const { target } of followed)
      queue.push({ jobId: target, json: outcome.json, dataclipId });
    if (!followed.length) leaves.push({ key, outcome, json: outcome.json, dataclipId });
  }

  return summarize(leaves);
}

/** The run's reason and final state from its leaves (runtime.md "Errors and reasons"). */
function summarize(leaves: Leaf[]): { result: RunResult; finalDataclipId?: string } {
  const failed = leaves.find((leaf) => leaf.outcome?.reason === 'fail');
  const sent = leaves.filter((leaf) => !leaf.outcome?.withheld);
  let finalState: State | undefined;
  let finalDataclipId: string | undefined;
  if (leaves.length === 1 && sent.length === 1) {
    finalState = JSON.parse(sent[0]!.json) as State;
    finalDataclipId = sent[0]!.dataclipId;
  } else if (leaves.length > 1) {
    finalState = Object.fromEntries(sent.map((leaf) => [leaf.key, JSON.parse(leaf.json)]));
  }
  const result: RunResult = {
    reason: failed ? 'fail' : 'success',
    error_type: failed?.outcome?.error?.type ?? null,
    error_message: failed?.outcome?.error?.message ?? null,
    ...(finalState ? { final_state: finalState } : {}),
  };
  return { result, finalDataclipId };
}
