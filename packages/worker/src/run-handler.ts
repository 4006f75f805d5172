// One claimed run, from its token to `phx_leave` (spec §4): check the run token, join
// `run:<id>`, fetch the plan and the input dataclip, execute on the pool (credentials fetched as
// the runtime asks for them), stream the events in order, leave. Whatever goes wrong, the
// handler resolves: a refused join frees the slot, a failure on our side before the run starts
// ends it as `exception`, and a channel that never comes back ends the run's sending.
//
// A run token that does not verify with WORKER_LIGHTNING_PUBLIC_KEY means this worker is
// misconfigured, not that the run is bad. The protocol has no way to hand a claimed run back to
// the queue, so the run is ended as `exception` with a message naming the variable (the server
// checks the token itself on join), rather than left `claimed` until it is swept as lost.

import type { KeyObject } from 'node:crypto';
import {
  type ClaimedRun,
  credentialResponseSchema,
  parseDataclipResponse,
  RunEvents,
  type RunPlan,
  runPlanSchema,
  runTopic,
  type TokenError,
  toMicroTimestamp,
  verifyRunToken,
} from '@lightning/protocol';
import type { ErrorType, ExecutionPlan, RunEvent, RunResult, State } from '@lightning/runtime';
import { type CollectionsOptions, withCollections } from './collections.js';
import { type Deliver, DeliveryFailedError } from './delivery.js';
import { createEventQueue } from './event-queue.js';
import { logPayloadLimitMb } from './frame-limit.js';
import { errorMessage, type WorkerLogger } from './logger.js';
import type { Pool } from './pool/index.js';
import type { Channel } from './socket/channel.js';
import { describeResponse, JoinRefusedError } from './socket/errors.js';
import type { PhoenixSocket } from './socket/phoenix-socket.js';

export interface RunHandlerOptions {
  socket: PhoenixSocket;
  pool: Pick<Pool, 'run'>;
  deliver: Deliver;
  logger: WorkerLogger;
  workerVersion: string;
  /** `WORKER_LIGHTNING_PUBLIC_KEY`: when set, run tokens are verified before joining. */
  publicKey?: KeyObject;
  /** Told whether the run token verified with `publicKey`, as soon as that is known. */
  onTokenChecked?: (isValid: boolean) => void;
  /** How long the first join of a run channel may take (socket outages included). */
  joinTimeoutMs: number;
  batchLogs?: boolean;
  batchLimit?: number;
  /** `WORKER_MAX_LOG_PAYLOAD_MB`, for plans without `log_payload_limit_mb`. Default 1. */
  maxLogPayloadMb?: number;
  /** Where jobs that use `collections.` reach the collections API; none: not offered. */
  collections?: CollectionsOptions;
}

export type RunOutcome =
  /** The run ended and its `run:complete` reached the server. */
  | 'completed'
  /** Its token did not verify; the run was not executed, but reported as `exception`. */
  | 'invalid_token'
  /** The server refused the run channel, or it could not be joined in time. */
  | 'not_joined'
  /** The run's events could not all be delivered. */
  | 'undelivered';

type FailedResult = { reason: 'exception'; error_type: string; error_message: string };

/**
 * Execute one claimed run and report it. Never rejects. `onExecuted` is called once the pool is
 * done with the run, possibly well before its last events have been acknowledged.
 *
 * @example
 * const outcome = await handleRun({ id, token }, { socket, pool, deliver, logger, ... });
 */
export async function handleRun(
  claimed: ClaimedRun,
  options: RunHandlerOptions,
  onExecuted: () => void = () => {},
): Promise<RunOutcome> {
  const logger = options.logger;
  const runId = claimed.id;

  let refusal: FailedResult | undefined;
  if (options.publicKey) {
    const verified = await verifyRunToken(options.publicKey, claimed.token, { runId });
    options.onTokenChecked?.(verified.ok);
    if (!verified.ok) {
      refusal = {
        reason: 'exception',
        error_type: 'RunTokenError',
        error_message: runTokenRefusal(verified.error),
      };
      logger.error({ runId }, `${refusal.error_message}; not running it`);
    }
  }

  const channel = options.socket.channel(runTopic(runId), {
    params: () => ({ token: claimed.token }),
    joinTimeoutMs: options.socket.pushTimeoutMs,
  });
  try {
    await channel.join(options.joinTimeoutMs);
  } catch (error) {
    logger.warn(
      { runId, err: errorMessage(error) },
      error instanceof JoinRefusedError
        ? 'The server refused the run channel'
        : 'Could not join the run channel',
    );
    void channel.leave();
    return refusal ? 'invalid_token' : 'not_joined';
  }

  try {
    const outcome = await executeRun(runId, claimed.token, channel, options, onExecuted, refusal);
    return refusal ? 'invalid_token' : outcome;
  } catch (error) {
    // Only a bug gets here: everything expected is handled inside.
    logger.error({ runId, err: errorMessage(error) }, 'The run handler failed');
    return 'undelivered';
  } finally {
    // Sent at once, but its reply is not waited for: the slot is free as soon as run:complete
    // is acknowledged, which saves a round trip per run.
    void channel.leave();
  }
}

async function executeRun(
  runId: string,
  token: string,
  channel: Channel,
  options: RunHandlerOptions,
  onExecuted: () => void,
  refusal: FailedResult | undefined,
): Promise<RunOutcome> {
  const { deliver, logger } = options;
  let loaded: Loaded;
  try {
    // A refused token: nothing is fetched (no plan, no dataclip, no credential).
    loaded = refusal
      ? { ok: false, result: refusal }
      : await loadRun(runId, channel, deliver, token, options.collections);
  } catch (error) {
    if (!(error instanceof DeliveryFailedError)) throw error;
    logger.error({ runId, err: error.message }, 'Lost the run channel while loading the run');
    return 'undelivered';
  }
  // Log lines are cut in the pool child, as they are written (the runtime applies the plan's
  // limit), so a huge line never crosses the IPC channel whole; the queue checks again.
  const logLimitMb = logPayloadLimitMb(
    loaded.ok ? loaded.plan.options?.log_payload_limit_mb : undefined,
    options.maxLogPayloadMb,
  );
  const queue = createEventQueue({
    runId,
    channel,
    deliver,
    logger,
    workerVersion: options.workerVersion,
    outputDataclips: loaded.ok ? loaded.plan.options?.output_dataclips !== false : true,
    batchLogs: options.batchLogs,
    batchLimit: options.batchLimit,
    logLimitMb,
  });

  if (!loaded.ok) {
    // Our side failed before anything ran: report the run as started and ended with
    // `exception`, so it does not sit `claimed` until it is swept as lost.
    if (!refusal) {
      logger.error({ runId, err: loaded.result.error_message }, 'Could not load the run');
    }
    for (const event of failedRunEvents(loaded.result, options.workerVersion)) {
      queue.enqueue(event);
    }
  } else {
    logger.info({ runId, jobs: loaded.plan.jobs.length }, 'Run started');
    let result: RunResult;
    try {
      const plan = {
        ...loaded.plan,
        options: { ...loaded.plan.options, log_payload_limit_mb: logLimitMb },
      } as ExecutionPlan;
      result = await options.pool.run(plan, loaded.input, {
        onEvent: (event) => queue.enqueue(event),
        loadCredential: (id) => loadCredential(channel, deliver, id),
      });
    } catch (error) {
      // The pool refuses runs only once it is closed (a shutdown racing a claim).
      result = { reason: 'exception', error_type: null, error_message: errorMessage(error) };
      if (!queue.isComplete) {
        for (const event of failedRunEvents(
          { reason: 'exception', error_type: 'ExecutionError', error_message: errorMessage(error) },
          options.workerVersion,
        )) {
          queue.enqueue(event);
        }
      }
    }
    // The pool promises a closing run:complete; never leave the server without one.
    if (!queue.isComplete) queue.enqueue(completeEvent(result));
    // The pool's slot is free; the remaining events drain on their own.
    onExecuted();
    logger.info(
      { runId, reason: result.reason, errorType: result.error_type ?? undefined },
      'Run finished',
    );
  }
  const outcome = await queue.done;
  return outcome.delivered ? 'completed' : 'undelivered';
}

type Loaded = { ok: true; plan: RunPlan; input: State } | { ok: false; result: FailedResult };

async function loadRun(
  runId: string,
  channel: Channel,
  deliver: Deliver,
  token: string,
  collections: CollectionsOptions | undefined,
): Promise<Loaded> {
  const failed = (error_type: string, error_message: string): Loaded => ({
    ok: false,
    result: { reason: 'exception', error_type, error_message },
  });

  const planReply = await deliver(channel, RunEvents.fetchPlan, {});
  if (planReply.status !== 'ok') {
    return failed(
      'ExecutionError',
      `The server did not send the run plan: ${describeResponse(planReply.response)}`,
    );
  }
  const plan = runPlanSchema.safeParse(planReply.response);
  if (!plan.success) {
    const issue = plan.error.issues[0];
    return failed(
      'ExecutionError',
      `The run plan is invalid: ${issue?.path.join('.') || 'plan'} ${issue?.message ?? ''}`.trim(),
    );
  }
  if (plan.data.id !== runId) {
    return failed('ExecutionError', `The server sent the plan of run ${plan.data.id}`);
  }

  const dataclipReply = await deliver(channel, RunEvents.fetchDataclip, {
    id: plan.data.dataclip_id,
  });
  if (dataclipReply.status !== 'ok') {
    return failed(
      'DataClipError',
      `Could not load the input dataclip ${plan.data.dataclip_id}: ${describeResponse(dataclipReply.response)}`,
    );
  }
  const input = parseDataclipResponse(dataclipReply.response);
  if (!input.ok) return failed('DataClipError', input.error);
  const body = input.value;
  if (body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    return failed('DataClipError', 'The input dataclip must be a JSON object');
  }
  const withCollectionsPlan = withCollections(
    plan.data as unknown as ExecutionPlan,
    token,
    collections,
  ) as unknown as RunPlan;
  return { ok: true, plan: withCollectionsPlan, input: (body ?? {}) as State };
}

async function loadCredential(channel: Channel, deliver: Deliver, id: string): Promise<State> {
  const reply = await deliver(channel, RunEvents.fetchCredential, { id });
  if (reply.status !== 'ok') throw new Error(describeResponse(reply.response));
  const body = credentialResponseSchema.safeParse(reply.response);
  if (!body.success) throw new Error('the credential is not a JSON object');
  return body.data;
}

/** What a refused run token tells the user: which variable is wrong and what it must match. */
function runTokenRefusal(error: TokenError): string {
  const why =
    error.code === 'invalid_signature'
      ? "it is not the public half of the server's WORKER_RUNS_PRIVATE_KEY (generate both with `lightning gen-worker-keys`)"
      : error.message;
  return `This worker's WORKER_LIGHTNING_PUBLIC_KEY does not verify the run token: ${why}`;
}

function completeEvent(result: RunResult): RunEvent {
  return {
    type: 'run:complete',
    reason: result.reason,
    error_type: result.error_type,
    error_message: result.error_message,
    ...(result.final_state === undefined ? {} : { final_state: result.final_state }),
    timestamp: toMicroTimestamp(new Date()),
  };
}

function failedRunEvents(result: FailedResult, workerVersion: string): RunEvent[] {
  const timestamp = toMicroTimestamp(new Date());
  return [
    {
      type: 'run:start',
      versions: { node: process.versions.node, worker: workerVersion },
      timestamp,
    },
    {
      type: 'log',
      level: 'error',
      source: 'R/T',
      message: [`${result.error_type}: ${result.error_message}`],
      timestamp,
    },
    {
      type: 'run:complete',
      reason: result.reason,
      // Not one of the runtime's ErrorTypes when the plan itself could not be read.
      error_type: result.error_type as ErrorType,
      error_message: result.error_message,
      timestamp,
    },
  ];
}
