// One step of a run: step:start → compile → run the job in a fresh vm context → clean the
// output state → step:complete. A `fail` error is recorded in `state.errors[jobId]` and the
// workflow carries on; `crash`/`kill` errors are returned for the plan to stop on.
import { adaptorName, parseAdaptorSpec } from '../adaptors/adaptor-spec.js';
import { compile } from '../compile/compile.js';
import { type RunError, StateTooLargeError } from '../errors.js';
import type { ExitReason, LogLevel, LogSource, PlanJob, RunEvent, State } from '../types.js';
import { assembleState } from './assemble-state.js';
import { classifyError, stepErrorType } from './classify-error.js';
import { microTimestamp } from './clock.js';
import { type ConsoleMethod, createJobContext } from './job-context.js';
import { loadModule } from './module-linker.js';
import { runJob } from './run-job.js';
import { toSafeJson } from './safe-json.js';
import { createScrubber } from './scrub-secrets.js';
import { serializeError } from './serialize-error.js';

/** Keys removed from every step's output: credentials never leave a step. */
const STATE_PROPS_TO_REMOVE = ['configuration', 'response'];

export interface StepEnvironment {
  adaptorsDir: string;
  allowList: readonly string[];
  emit: (event: RunEvent) => void;
  log: (level: LogLevel, source: LogSource, message: unknown[], stepId?: string) => void;
  /** Turns console arguments into a log message (sanitising, size limit). */
  jobLog: (method: ConsoleMethod, args: unknown[], stepId: string) => void;
  timeoutMs?: number;
  payloadLimitMb?: number;
  stateLimitMb?: number;
}

export interface StepInput {
  job: PlanJob;
  stepId: string;
  outputDataclipId: string;
  /** A fresh copy: the step may mutate it. */
  state: State;
  inputDataclipId?: string;
  credential?: State;
}

export interface StepOutcome {
  reason: ExitReason;
  error: RunError | null;
  /** The output state as JSON (without configuration/response). */
  json: string;
  /** True when the output is over the payload limit and was not sent. */
  withheld: boolean;
}

const MB = 1024 * 1024;

export async function executeStep(input: StepInput, env: StepEnvironment): Promise<StepOutcome> {
  const { job, stepId } = input;
  const jobName = job.name || job.id;
  env.emit({
    type: 'step:start',
    step_id: stepId,
    job_id: job.id,
    ...(input.inputDataclipId ? { input_dataclip_id: input.inputDataclipId } : {}),
    timestamp: microTimestamp(),
  });
  env.log('info', 'R/T', [`Starting step ${jobName}`], stepId);
  const started = Date.now();

  const state = assembleState(input.state, job.state, input.credential);
  const scrub = createScrubber(input.credential);
  const jobContext = createJobContext({
    name: jobName,
    state,
    onConsole: (method, args) => env.jobLog(method, args, stepId),
  });

  let result: State = state;
  let error: RunError | null = null;
  try {
    const pinned: Record<string, string> = {};
    let adaptorExports: string[] | undefined;
    if (job.adaptor) {
      const { name, version } = parseAdaptorSpec(job.adaptor);
      if (version) pinned[name] = version;
      const linker = { adaptorsDir: env.adaptorsDir, allowList: env.allowList, pinned };
      adaptorExports = Object.keys(await loadModule(job.adaptor, linker));
    }
    const extraAdaptors: { name: string; exports: string[] }[] = [];
    for (const spec of job.adaptors ?? []) {
      const { name, version } = parseAdaptorSpec(spec);
      if (version) pinned[name] = version;
      const linker = { adaptorsDir: env.adaptorsDir, allowList: env.allowList, pinned };
      extraAdaptors.push({ name, exports: Object.keys(await loadModule(spec, linker)) });
    }
    const compiled = compile(job.body, {
      name: jobName,
      adaptorName: job.adaptor ? adaptorName(job.adaptor) : undefined,
      adaptorExports,
      extraAdaptors,
    });
    result = await runJob(state, {
      code: compiled.code,
      jobName,
      jobContext,
      linker: { adaptorsDir: env.adaptorsDir, allowList: env.allowList, pinned },
      operations: compiled.operations,
      positions: compiled.positions,
      timeoutMs: env.timeoutMs,
    });
  } catch (thrown) {
    error = classifyError(thrown, { inOperation: false, timeoutMs: env.timeoutMs });
    // An adaptor may echo a secret (a token in a URL) in its message.
    error.message = String(scrub([error.message])[0]);
    // The state the job started from (as far as it changed it) is the step's output.
    result = state;
    const where = error.pos ? ` (line ${error.pos.line}:${error.pos.column})` : '';
    env.log('error', 'R/T', [`${error.type}: ${error.message}${where}`], stepId);
    if (error.severity === 'fail') {
      const errors = (typeof result.errors === 'object' && result.errors) || {};
      result.errors = { ...errors, [job.id]: serializeError(error, scrub) };
      env.log('error', 'R/T', [`Check state.errors.${job.id} for details.`], stepId);
    }
  } finally {
    jobContext.dispose();
  }

  const output: State = { ...result };
  for (const key of STATE_PROPS_TO_REMOVE) delete output[key];
  const json = toSafeJson(output);
  const bytes = Buffer.byteLength(json);

  if (env.stateLimitMb !== undefined && bytes > env.stateLimitMb * MB) {
    error = new StateTooLargeError(env.stateLimitMb);
    env.log('error', 'R/T', [`${error.type}: ${error.message}`], stepId);
  }
  const withheld = env.payloadLimitMb !== undefined && bytes > env.payloadLimitMb * MB;
  if (withheld) {
    env.log(
      'info',
      'R/T',
      [
        `Dataclip exceeds payload limit of ${env.payloadLimitMb}mb: the output of ${jobName} is not sent`,
      ],
      stepId,
    );
  }

  const reason: ExitReason = error ? error.severity : 'success';
  const duration = Date.now() - started;
  if (!error) env.log('success', 'R/T', [`${jobName} completed in ${duration}ms`], stepId);
  const { heapUsed, rss } = process.memoryUsage();
  env.emit({
    type: 'step:complete',
    step_id: stepId,
    job_id: job.id,
    reason,
    error_type: error ? stepErrorType(error) : null,
    error_message: error?.message ?? null,
    output_dataclip_id: input.outputDataclipId,
    ...(withheld
      ? { output_dataclip_error: 'DATACLIP_TOO_LARGE' as const }
      : { output_state: JSON.parse(json) as State }),
    mem: { job: heapUsed, system: rss },
    duration,
    timestamp: microTimestamp(),
  });
  return { reason, error, json, withheld };
}
