// A run's outgoing events, sent strictly in order, one at a time, each waiting for its reply
// (spec §4; the server stores a step before its logs and the run's end last). Log lines that
// pile up while an earlier event waits for its reply go out together as one `run:batch_logs`:
// batching costs no latency (nothing waits for a timer) and, under load, turns dozens of round
// trips into one. OpenFn's worker batches with a 10 ms timer instead; the server sees the same
// events either way.

import type { RunEvent } from '@lightning/runtime';
import { type Deliver, DeliveryFailedError, type PushChannel } from './delivery.js';
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
    items.push(event);
    if (!isSending) void pump();
  }

  /** The next push: one event, or every consecutive log line at the head (up to the limit). */
  function takeNext(): { push: RunPush; isLast: boolean } {
    const head = items[0]!;
    if (head.type === 'log' && batchLogs) {
      const lines: LogEvent[] = [];
      while (lines.length < batchLimit && items[0]?.type === 'log') {
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
        const { push, isLast } = takeNext();
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
