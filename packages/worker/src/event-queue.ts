// A run's outgoing events, sent strictly in order, one at a time, each waiting for its reply
// (spec §4; the server stores a step before its logs and the run's end last). Log lines that
// pile up while an earlier event waits for its reply go out together as one `run:batch_logs`:
// batching costs no latency (nothing waits for a timer) and, under load, turns dozens of round
// trips into one. OpenFn's worker batches with a 10 ms timer instead; the server sees the same
// events either way.

import { toMicroTimestamp } from '@lightning/protocol';
import { limitLogMessage, type RunEvent } from '@lightning/runtime';
import { type Deliver, DeliveryFailedError, type PushChannel } from './delivery.js';
import { createFrameBudget, fitToFrame, logPayloadLimitMb } from './frame-limit.js';
import { errorMessage, type WorkerLogger } from './logger.js';
import { type PayloadContext, type RunPush, toBatchLogs, toRunPush } from './run-event-payloads.js';
import { describeResponse } from './socket/errors.js';

export interface EventQueueOptions extends PayloadContext {
  channel: PushChannel;
  deliver: Deliver;
  logger: WorkerLogger;
  /** Send logs as `run:batch_logs` (default true); false sends one `run:log` per line. */
  batchLogs?: boolean;
  /** Most lines in one batch. Default 50, as OpenFn. */
  batchLimit?: number;
  /** Most bytes of messages in one batch (a line over it still goes, alone). Default 1 MB. */
  batchBytes?: number;
  /**
   * The run's log line limit in MB (see `logPayloadLimitMb`). The runtime already cuts lines to
   * it; a longer line reaching the queue anyway is cut here, so no frame can exceed the limit.
   */
  logLimitMb?: number;
}

export type QueueOutcome =
  /** Every event was sent (some may have got an error reply, which was logged). */
  | { delivered: true }
  /** The channel went away for good; the remaining events were dropped. */
  | { delivered: false; error: Error };

export interface EventQueue {
  /** Queue an event; ignored after `run:complete` was queued or the queue gave up. */
  enqueue(event: RunEvent): void;
  /** Whether `run:complete` has been queued. */
  readonly isComplete: boolean;
  /** Resolves when `run:complete` has been sent, or the queue gave up. */
  readonly done: Promise<QueueOutcome>;
}

type LogEvent = Extract<RunEvent, { type: 'log' }>;

export function createEventQueue(options: EventQueueOptions): EventQueue {
  const batchLogs = options.batchLogs ?? true;
  const batchLimit = options.batchLimit ?? 50;
  const batchBytes = options.batchBytes ?? 1024 * 1024;
  const logLimitMb = logPayloadLimitMb(options.logLimitMb);
  const frameBudget = createFrameBudget();
  const items: RunEvent[] = [];
  let isComplete = false;
  let isSending = false;
  let isFinished = false;
  let finish!: (outcome: QueueOutcome) => void;
  const done = new Promise<QueueOutcome>((resolve) => {
    finish = (outcome) => {
      isFinished = true;
      items.length = 0;
      resolve(outcome);
    };
  });

  function enqueue(event: RunEvent): void {
    if (isComplete || isFinished) return;
    if (event.type === 'run:complete') isComplete = true;
    if (event.type === 'log') {
      const message = limitLogMessage(event.message, logLimitMb);
      if (message !== event.message) event = { ...event, message };
    }
    items.push(event);
    if (!isSending) void pump();
  }

  /** The next push: one event, or every consecutive log line at the head (up to the limit). */
  function takeNext(): { push: RunPush; isLast: boolean } {
    const head = items[0]!;
    if (head.type === 'log' && batchLogs) {
      // Lines may each be up to the plan's log payload limit (1 MB by default): a batch is also
      // cut by size, so it always fits in one frame.
      const lines: LogEvent[] = [];
      let bytes = 0;
      while (lines.length < batchLimit && items[0]?.type === 'log') {
        const size = messageBytes(items[0] as LogEvent);
        if (lines.length > 0 && bytes + size > batchBytes) break;
        bytes += size;
        lines.push(items.shift() as LogEvent);
      }
      return { push: toBatchLogs(lines, options), isLast: false };
    }
    items.shift();
    return { push: toRunPush(head, options), isLast: head.type === 'run:complete' };
  }

  async function pump(): Promise<void> {
    isSending = true;
    try {
      while (items.length > 0 && !isFinished) {
        const next = takeNext();
        const { push, note } = fitToFrame(next.push, frameBudget);
        if (note) {
          options.logger.warn({ runId: options.runId, event: push.event }, note);
          const event = noteEvent(note, push);
          const line = batchLogs ? toBatchLogs([event], options) : toRunPush(event, options);
          await options.deliver(options.channel, line.event, line.payload);
        }
        const isLast = next.isLast;
        const reply = await options.deliver(options.channel, push.event, push.payload);
        if (reply.status === 'error') {
          // Logged and carried on with: a refused log line or step must not stop the run from
          // reporting how it ended.
          options.logger.warn(
            { runId: options.runId, event: push.event, response: describeResponse(reply.response) },
            'The server refused a run event',
          );
        }
        if (isLast) finish({ delivered: true });
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      options.logger.error(
        { runId: options.runId, err: errorMessage(error) },
        error instanceof DeliveryFailedError
          ? 'Could not send the run events; the server will mark the run lost'
          : 'Sending the run events failed',
      );
      finish({ delivered: false, error: failure });
    } finally {
      isSending = false;
    }
  }

  return {
    enqueue,
    get isComplete() {
      return isComplete;
    },
    done,
  };
}

/** A line's size on the wire: its message's JSON in bytes, and room for the other fields. */
function messageBytes(event: LogEvent): number {
  try {
    return Buffer.byteLength(JSON.stringify(event.message)) + 128;
  } catch {
    return 128;
  }
}

/** The log line saying what `fitToFrame` left out, attributed to the step when there is one. */
function noteEvent(note: string, push: RunPush): LogEvent {
  const stepId = 'step_id' in push.payload ? push.payload.step_id : undefined;
  // Just before the event it explains, in the run's log order.
  const timestamp = 'timestamp' in push.payload ? push.payload.timestamp : undefined;
  return {
    type: 'log',
    level: 'warn',
    source: 'R/T',
    message: [note],
    timestamp: typeof timestamp === 'string' ? timestamp : toMicroTimestamp(new Date()),
    ...(typeof stepId === 'string' ? { step_id: stepId } : {}),
  };
}
