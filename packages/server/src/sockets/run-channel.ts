// `run:<id>` (worker protocol §4): one run's channel. Joined with the run token handed out by the
// claim; every push is validated with the protocol's schema and stored through the runs context.
// An invalid payload gets an error reply and changes nothing; so does any event the runs context
// refuses (unknown step, conflicting outcome, finished run).
import {
  type batchLogsPayloadSchema,
  type Frame,
  type fetchCredentialPayloadSchema,
  isRunPushEvent,
  type RunPushEvent,
  type runCompletePayloadSchema,
  runJoinPayloadSchema,
  type runLogPayloadSchema,
  runPushSchemas,
  type runStartPayloadSchema,
  type stepCompletePayloadSchema,
  type stepStartPayloadSchema,
  validatePayload,
  verifyRunToken,
} from '@lightning/protocol';
import type { z } from 'zod';
import {
  credentialSchemasFor,
  deliverRunCredential,
  loadRunScrubber,
  SCRUBBED_EVENTS,
  type Scrubber,
  scrubRunEvent,
} from '../credentials/index.js';
import { isTransientDatabaseError } from '../db/index.js';
import {
  appendLogs,
  buildRunPlan,
  completeRun,
  completeStep,
  eventError,
  fetchRunDataclip,
  getRunState,
  RunEventError,
  startRun,
  startStep,
} from '../runs/index.js';
import type { ChannelDependencies } from './queue-channel.js';
import type { Channel } from './worker-connection.js';

export class RunChannel implements Channel {
  /** The run's credential scrubber, built on the first event that needs it and kept for the run. */
  private scrubber: Promise<Scrubber> | null = null;

  private constructor(
    private readonly runId: string,
    private readonly deps: ChannelDependencies,
  ) {}

  /**
   * Checks the run token: signed by this server, for this run, not expired. Any token failure is
   * `unauthorized` (Lightning reports `nbf_not_reached` separately, and so do we). The token is
   * the proof of the claim, so a worker that reconnects can rejoin the runs it is executing.
   */
  static async join(
    frame: Frame,
    runId: string,
    deps: ChannelDependencies,
  ): Promise<RunChannel | null> {
    const { connection, context, keys, logger } = deps;
    const payload = validatePayload(runJoinPayloadSchema, frame.payload);
    if (!payload.ok) {
      connection.reply(frame, 'error', { reason: 'unauthorized' });
      return null;
    }
    const verified = await verifyRunToken(keys.runsPublicKey, payload.value.token, { runId });
    if (!verified.ok) {
      logger.warn(
        { runId, reason: verified.error.code },
        `run join refused: ${verified.error.message}`,
      );
      const reason = verified.error.code === 'nbf_not_reached' ? 'nbf_not_reached' : 'unauthorized';
      connection.reply(frame, 'error', { reason });
      return null;
    }
    const state = await getRunState(context.db, runId);
    if (state === null) {
      connection.reply(frame, 'error', { reason: 'not_found' });
      return null;
    }
    if (state === 'available') {
      // A token for a run nobody claimed cannot come from this server's claim.
      connection.reply(frame, 'error', { reason: 'unauthorized' });
      return null;
    }
    connection.reply(frame, 'ok', {});
    return new RunChannel(runId, deps);
  }

  async handle(frame: Frame): Promise<void> {
    const { connection, logger } = this.deps;
    if (!isRunPushEvent(frame.event) || frame.event === 'phx_join') {
      connection.reply(frame, 'error', { reason: `unknown event "${frame.event}"` });
      return;
    }
    const event = frame.event as Exclude<RunPushEvent, 'phx_join' | 'phx_leave'>;
    const payload = validatePayload(runPushSchemas[event] as z.ZodType, frame.payload);
    if (!payload.ok) {
      connection.reply(frame, 'error', payload.error);
      return;
    }
    try {
      await this.store(frame, event, payload.value);
    } catch (error) {
      if (error instanceof RunEventError) {
        logger.warn({ runId: this.runId, event, errors: error.errors }, 'run event refused');
        connection.reply(frame, 'error', error.response);
        return;
      }
      // Our side failed. The worker retries events whose reply is an error for a transient
      // reason, so say which kind this is.
      const transient = isTransientDatabaseError(error);
      logger.error({ err: error, runId: this.runId, event, transient }, 'run event not stored');
      connection.reply(frame, 'error', {
        reason: transient ? 'temporarily_unavailable' : 'internal_error',
      });
    }
  }

  close(): void {}

  private async store(frame: Frame, event: string, payload: unknown): Promise<void> {
    const { connection, context } = this.deps;
    const { db, config, bus } = context;
    const runId = this.runId;
    // Credential values are replaced by *** before anything of the event is stored.
    const value = SCRUBBED_EVENTS.has(event)
      ? scrubRunEvent(await this.runScrubber(), event, payload)
      : payload;
    switch (event) {
      case 'fetch:plan': {
        const plan = await buildRunPlan(db, runId, {
          maxRunDurationSeconds: config.workers.maxRunDurationSeconds,
          maxRunMemoryMb: config.workers.maxRunMemoryMb,
          maxDataclipSizeMb: config.limits.maxDataclipSizeMb,
        });
        if (!plan) throw eventError('run_id', 'not found');
        connection.reply(frame, 'ok', plan);
        return;
      }
      case 'fetch:dataclip': {
        // Binary reply: the JSON text as PostgreSQL rendered it, never re-encoded as a string.
        const text = await fetchRunDataclip(db, runId);
        connection.replyBinary(frame, Buffer.from(text ?? 'null', 'utf8'));
        return;
      }
      case 'fetch:credential': {
        const { id } = value as z.output<typeof fetchCredentialPayloadSchema>;
        const body = await deliverRunCredential(db, context.vault, runId, id, {
          config,
          mailer: context.mailer,
          logger: context.logger,
        });
        connection.reply(frame, 'ok', body);
        return;
      }
      case 'run:start': {
        const change = await startRun(db, runId, value as z.output<typeof runStartPayloadSchema>);
        connection.reply(frame, 'ok', {});
        if (change.changed) {
          if (change.queueDelayMs !== undefined) {
            context.metrics.runQueueDelay.observe(change.queueDelayMs);
          }
          bus.publish({
            type: 'run_updated',
            runId,
            workOrderId: change.workOrderId,
            workflowId: change.workflowId,
            state: 'started',
          });
        }
        return;
      }
      case 'step:start': {
        const step = await startStep(db, runId, value as z.output<typeof stepStartPayloadSchema>);
        connection.reply(frame, 'ok', {});
        if (step.changed) {
          bus.publish({ type: 'step_updated', runId, stepId: step.stepId, state: 'running' });
        }
        return;
      }
      case 'step:complete': {
        const payload = value as z.output<typeof stepCompletePayloadSchema>;
        const step = await completeStep(db, runId, payload, {
          maxDataclipSizeMb: config.limits.maxDataclipSizeMb,
        });
        connection.reply(frame, 'ok', {});
        if (step.changed) {
          bus.publish({ type: 'step_updated', runId, stepId: step.stepId, state: payload.reason });
        }
        return;
      }
      case 'run:log': {
        const line = value as z.output<typeof runLogPayloadSchema>;
        this.checkRunId(line.run_id);
        await appendLogs(db, runId, [line]);
        connection.reply(frame, 'ok', {});
        bus.publish({ type: 'run_logs', runId });
        return;
      }
      case 'run:batch_logs': {
        const batch = value as z.output<typeof batchLogsPayloadSchema>;
        this.checkRunId(batch.run_id);
        await appendLogs(db, runId, batch.logs);
        connection.reply(frame, 'ok', {});
        if (batch.logs.length > 0) bus.publish({ type: 'run_logs', runId });
        return;
      }
      case 'run:complete': {
        const change = await completeRun(
          db,
          runId,
          value as z.output<typeof runCompletePayloadSchema>,
        );
        connection.reply(frame, 'ok', {});
        if (change.changed) {
          context.metrics.runOutcomes.inc({ state: change.state });
          bus.publish({
            type: 'run_updated',
            runId,
            workOrderId: change.workOrderId,
            workflowId: change.workflowId,
            state: change.state,
          });
        }
        return;
      }
      default:
        throw eventError('event', `"${event}" is not a run event`);
    }
  }

  private runScrubber(): Promise<Scrubber> {
    if (!this.scrubber) {
      const { db, vault, config } = this.deps.context;
      this.scrubber = loadRunScrubber(
        db,
        vault,
        credentialSchemasFor(config.schemasPath),
        this.runId,
      );
      // A failed load (database down) is retried by the next event rather than cached.
      this.scrubber.catch(() => {
        this.scrubber = null;
      });
    }
    return this.scrubber;
  }

  /** A line naming another run than the channel's is refused: events of one run stay in it. */
  private checkRunId(runId: string | null | undefined): void {
    if (runId && runId !== this.runId) {
      throw eventError('run_id', `does not match the channel's run (${this.runId})`);
    }
  }
}
