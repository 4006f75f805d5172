// `worker:queue` (worker protocol §3): the worker says how much it can take (join), claims runs
// (claim → runs with their tokens), and is told when new work arrives (`work-available`,
// at most one push per 500 ms per socket).
import {
  claimPayloadSchema,
  type Frame,
  pushFrame,
  QueueEvents,
  queueJoinPayloadSchema,
  signRunToken,
  Topics,
  validatePayload,
  WORK_AVAILABLE_DEBOUNCE_MS,
} from '@lightning/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerContext } from '../http/context.js';
import { claim, releaseClaimedRuns, runTimeoutMs } from '../runs/index.js';
import type { WorkerKeys } from './worker-auth.js';
import type { Channel, Replier } from './worker-connection.js';

export interface ChannelDependencies {
  connection: Replier;
  context: ServerContext;
  keys: WorkerKeys;
  logger: FastifyBaseLogger;
}

export class QueueChannel implements Channel {
  private unsubscribe: () => void = () => {};
  private lastPushAt = 0;
  private pending: NodeJS.Timeout | undefined;

  private constructor(
    private readonly joinRef: string | null,
    private readonly deps: ChannelDependencies,
  ) {}

  static join(frame: Frame, deps: ChannelDependencies): QueueChannel | null {
    const payload = validatePayload(queueJoinPayloadSchema, frame.payload ?? {});
    if (!payload.ok) {
      deps.connection.reply(frame, 'error', payload.error);
      return null;
    }
    const channel = new QueueChannel(frame.joinRef, deps);
    channel.unsubscribe = deps.context.bus.subscribe((event) => {
      if (event.type === 'run_available') channel.workAvailable();
    });
    deps.connection.reply(frame, 'ok', {});
    return channel;
  }

  async handle(frame: Frame): Promise<void> {
    if (frame.event !== QueueEvents.claim) {
      this.deps.connection.reply(frame, 'error', { reason: `unknown event "${frame.event}"` });
      return;
    }
    const payload = validatePayload(claimPayloadSchema, frame.payload);
    if (!payload.ok) {
      this.deps.connection.reply(frame, 'error', payload.error);
      return;
    }
    const { config, db } = this.deps.context;
    const claimed = await claim(db, {
      demand: payload.value.demand,
      workerName: payload.value.worker_name,
      queues: payload.value.queues,
      perWorkflowLimit: config.limits.perWorkflowClaimLimit,
      workMem: config.limits.claimWorkMem,
    });
    if (claimed.length > 0 && !this.deps.connection.isOpen) {
      // The worker went away while claiming: nobody would ever start these runs.
      await releaseClaimedRuns(
        db,
        claimed.map((run) => run.id),
      );
      return;
    }
    const { maxRunDurationSeconds, runGracePeriodSeconds } = config.workers;
    const runs = await Promise.all(
      claimed.map(async (run) => ({
        id: run.id,
        // Valid for the whole run and its grace period, so a slow run is never locked out of
        // its own channel (e.g. when it rejoins after a reconnect).
        token: await signRunToken(this.deps.keys.runsPrivateKey, run.id, {
          ttlSeconds:
            Math.ceil(runTimeoutMs(run.options, maxRunDurationSeconds) / 1000) +
            runGracePeriodSeconds,
        }),
      })),
    );
    this.deps.connection.reply(frame, 'ok', { runs });
    this.deps.context.metrics.claimedRuns.inc(claimed.length);
    for (const run of claimed) {
      this.deps.context.bus.publish({
        type: 'run_updated',
        runId: run.id,
        workOrderId: run.workOrderId,
        workflowId: run.workflowId,
        state: 'claimed',
      });
    }
  }

  close(): void {
    this.unsubscribe();
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
  }

  /**
   * Debounced push: the first event after a quiet period goes out at once, later ones within
   * the window collapse into one push at its end. A burst of 1,000 webhooks is one or two
   * pushes, not 1,000 claims.
   */
  private workAvailable(): void {
    if (this.pending) return;
    const wait = this.lastPushAt + WORK_AVAILABLE_DEBOUNCE_MS - Date.now();
    const push = () => {
      this.pending = undefined;
      this.lastPushAt = Date.now();
      this.deps.connection.push(
        pushFrame(Topics.workerQueue, QueueEvents.workAvailable, {}, { joinRef: this.joinRef }),
      );
    };
    if (wait <= 0) push();
    else this.pending = setTimeout(push, wait);
  }
}
