// The claim loop on `worker:queue` (spec §3): while the worker has free capacity it claims, for
// as many runs as it has free slots, with the manual queue first. A claim that returns nothing
// backs off (1 s, ×1.15 per empty claim, capped at 10 s); a `work-available` push or a finished
// run resets the backoff and claims at once. OpenFn's worker always claims one run at a time;
// claiming every free slot at once is the same protocol and fills an idle worker in one round
// trip instead of `capacity` of them.
//
// A slot is the pool's: it is free again as soon as the run's execution ends, while the run's
// last events may still be on their way to the server (each waits for its reply, so a trivial
// run spends most of its life there). Up to `maxDraining` finished runs may be sending their
// events at once; beyond that the loop claims nothing until one is done, so a slow server holds
// the worker back instead of piling up events in memory.

import {
  CLAIM_BACKOFF,
  type ClaimBackoffOptions,
  type ClaimedRun,
  claimReplySchema,
  nextClaimBackoff,
  QueueEvents,
} from '@lightning/protocol';
import { errorMessage, type WorkerLogger } from './logger.js';
import type { Channel } from './socket/channel.js';
import { describeResponse } from './socket/errors.js';

/** The queues a claim asks for, in order: people's runs first, then anything. */
export const CLAIM_QUEUES = ['manual', '*'];

export interface ClaimLoopOptions {
  channel: Pick<Channel, 'push' | 'on' | 'onJoined' | 'isJoined'>;
  capacity: number;
  /** Reported as `worker_name` in claims. */
  workerName: string | null;
  /** How long a claim waits for its reply. */
  claimTimeoutMs: number;
  backoff?: ClaimBackoffOptions;
  /**
   * Execute a claimed run; resolves when it is over. It calls `onExecuted` when its execution
   * ended (its slot is then free, its events may still be sending); settling counts as that too.
   */
  runClaimed: (run: ClaimedRun, onExecuted: () => void) => Promise<unknown>;
  /** Runs whose execution ended that may still be sending events. Default `capacity`. */
  maxDraining?: number;
  /**
   * Most runs the next claim may ask for; 0 claims nothing until `wake()`. The worker claims
   * one run at a time until it knows its public key verifies run tokens. Default: no limit.
   */
  maxDemand?: () => number;
  logger: WorkerLogger;
}

export interface ClaimLoop {
  /** Start claiming (now if the channel is joined, else on join). */
  start(): void;
  /** Stop claiming; runs in progress go on. */
  stop(): void;
  /** Claim now and reset the backoff (a `work-available` push does this). */
  wake(): void;
  /** Runs claimed and not yet over (executing, or sending their last events). */
  readonly activeRuns: number;
  /** Runs holding a slot (claimed, not yet done executing). */
  readonly executingRuns: number;
  /** The backoff the next empty claim will wait, in ms (`undefined` right after a reset). */
  readonly backoffMs: number | undefined;
  /**
   * Resolves once no claim is waiting for its reply (waiting at most `claimWaitMs` for it) and
   * no run is in progress.
   */
  whenIdle(claimWaitMs?: number): Promise<void>;
}

export function createClaimLoop(options: ClaimLoopOptions): ClaimLoop {
  const { channel, logger } = options;
  const backoffOptions = options.backoff ?? CLAIM_BACKOFF;
  const maxDraining = options.maxDraining ?? options.capacity;
  /** Every run not yet over. */
  const active = new Set<Promise<unknown>>();
  /** Runs holding a slot: those of `active` whose execution has not ended. */
  let executing = 0;
  let isRunning = false;
  let isClaiming = false;
  let wokenWhileClaiming = false;
  let backoffMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inflightClaim: Promise<void> | null = null;
  const unsubscribe: (() => void)[] = [];

  function schedule(delayMs: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      inflightClaim = claim().finally(() => {
        inflightClaim = null;
      });
    }, delayMs);
  }

  function wake(): void {
    backoffMs = undefined;
    if (!isRunning) return;
    if (isClaiming) wokenWhileClaiming = true;
    else schedule(0);
  }

  async function claim(): Promise<void> {
    timer = undefined;
    if (!isRunning || isClaiming || !channel.isJoined) return;
    const demand = Math.min(
      options.capacity - executing,
      options.capacity + maxDraining - active.size,
      options.maxDemand?.() ?? Number.POSITIVE_INFINITY,
    );
    if (demand <= 0) return; // an ended execution, a finished run or wake() restarts the loop
    isClaiming = true;
    wokenWhileClaiming = false;
    let runs: ClaimedRun[] = [];
    try {
      const reply = await channel.push(
        QueueEvents.claim,
        { demand, worker_name: options.workerName, queues: CLAIM_QUEUES },
        options.claimTimeoutMs,
      );
      if (reply.status !== 'ok') {
        logger.warn({ response: describeResponse(reply.response) }, 'The server refused a claim');
      } else {
        const parsed = claimReplySchema.safeParse(reply.response);
        if (parsed.success) runs = parsed.data.runs;
        else logger.warn({ response: describeResponse(reply.response) }, 'Unreadable claim reply');
      }
    } catch (error) {
      logger.debug({ err: errorMessage(error) }, 'Claim got no reply');
    } finally {
      isClaiming = false;
    }
    for (const run of runs) launch(run);
    if (!isRunning) return;
    if (runs.length > 0 || wokenWhileClaiming) {
      // There is work (or news of work): claim again for any slot still free.
      backoffMs = undefined;
      schedule(0);
    } else {
      backoffMs = nextClaimBackoff(backoffMs, backoffOptions);
      schedule(backoffMs);
    }
  }

  function launch(run: ClaimedRun): void {
    logger.debug({ runId: run.id }, 'Claimed a run');
    let hasExecuted = false;
    const onExecuted = () => {
      if (hasExecuted) return;
      hasExecuted = true;
      executing--;
      wake();
    };
    executing++;
    const task = options
      .runClaimed(run, onExecuted)
      .catch((error) => logger.error({ runId: run.id, err: errorMessage(error) }, 'Run failed'))
      .finally(() => {
        active.delete(task);
        onExecuted();
        if (active.size === 0) for (const resolve of idleWaiters.splice(0)) resolve();
        wake();
      });
    active.add(task);
  }

  const idleWaiters: (() => void)[] = [];

  return {
    start() {
      if (isRunning) return;
      isRunning = true;
      unsubscribe.push(channel.on(QueueEvents.workAvailable, wake), channel.onJoined(wake));
      if (channel.isJoined) wake();
    },
    stop() {
      isRunning = false;
      clearTimeout(timer);
      for (const off of unsubscribe.splice(0)) off();
    },
    wake,
    get activeRuns() {
      return active.size;
    },
    get executingRuns() {
      return executing;
    },
    get backoffMs() {
      return backoffMs;
    },
    async whenIdle(claimWaitMs = Number.POSITIVE_INFINITY) {
      // Runs a claim already took from the server must still run, even when stopping; but a
      // server that never answers must not hold a shutdown for the claim's whole timeout.
      if (inflightClaim) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = Number.isFinite(claimWaitMs)
          ? new Promise<void>((resolve) => {
              timer = setTimeout(resolve, claimWaitMs);
            })
          : new Promise<void>(() => {});
        await Promise.race([inflightClaim, timeout]);
        clearTimeout(timer);
      }
      if (active.size === 0) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
