// How a run's pushes reach the server despite a dropped socket or a slow reply. The most common
// reason OpenFn runs end `lost` is one event that failed in transit, so a push whose reply timed
// out, or that was cut off by a disconnect, is sent again once the run channel is joined again
// (the server acknowledges an exact repeat without storing it twice). An error reply is an
// answer, not a transport failure: it is retried only when the server says the failure was
// transient. A run gives up after `retryWindowMs` without a delivery, so a server that never
// comes back cannot hold a worker slot forever (the server will mark the run lost).

import type { ReplyPayload } from '@lightning/protocol';
import { errorMessage, type WorkerLogger } from './logger.js';
import type { Channel } from './socket/channel.js';
import { DisconnectedError, JoinRefusedError, PushTimeoutError } from './socket/errors.js';

export interface DeliveryOptions {
  /** How long one attempt waits for its reply. */
  timeoutMs: number;
  /** How long one push keeps being retried before the run is given up. Default 2 minutes. */
  retryWindowMs?: number;
  /** Pause between attempts after an error reply marked transient. Default 1 s. */
  retryDelayMs?: number;
  logger: WorkerLogger;
}

/** The push could not be delivered: the run's channel is gone or the window ran out. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
  constructor(
    readonly event: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a push needs from its channel. */
export type PushChannel = Pick<Channel, 'topic' | 'push' | 'whenJoined'>;

export type Deliver = (
  channel: PushChannel,
  event: string,
  payload: unknown,
) => Promise<ReplyPayload>;

/**
 * Reasons of error replies that mean "try again": the server could not store the event right
 * now (database timeout, overload) rather than refusing it.
 */
const TRANSIENT_REASONS = new Set([
  'temporarily_unavailable',
  'unavailable',
  'timeout',
  'retry',
  'busy',
]);

export function isTransientReply(reply: ReplyPayload): boolean {
  if (reply.status !== 'error') return false;
  const response = reply.response as { reason?: unknown; retry?: unknown } | null;
  if (!response || typeof response !== 'object') return false;
  return response.retry === true || TRANSIENT_REASONS.has(String(response.reason));
}

/**
 * A function that pushes `event` on a channel and resolves with the server's reply (ok or a
 * final error), retrying through timeouts, disconnects and transient errors.
 */
export function createDeliver(options: DeliveryOptions): Deliver {
  const retryWindowMs = options.retryWindowMs ?? 120_000;
  const retryDelayMs = options.retryDelayMs ?? 1000;

  return async function deliver(channel, event, payload) {
    const deadline = Date.now() + retryWindowMs;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new DeliveryFailedError(
          event,
          `Gave up sending ${event} on ${channel.topic} after ${retryWindowMs}ms`,
        );
      }
      try {
        await channel.whenJoined(remaining);
        const reply = await channel.push(event, payload, options.timeoutMs);
        if (!isTransientReply(reply)) return reply;
        options.logger.warn(
          { topic: channel.topic, event, attempt, response: reply.response },
          'The server could not take an event for now; sending it again',
        );
        await sleep(Math.min(retryDelayMs, Math.max(0, deadline - Date.now())));
      } catch (error) {
        if (error instanceof DisconnectedError) {
          // Never spin: the socket may look joined while it is closing.
          await sleep(Math.min(DISCONNECTED_PAUSE_MS, Math.max(0, deadline - Date.now())));
          continue;
        }
        if (error instanceof PushTimeoutError) {
          if (error.event !== event) continue; // waiting for the rejoin timed out: loop ends it
          options.logger.warn({ topic: channel.topic, event, attempt }, 'No reply; sending again');
          continue;
        }
        if (error instanceof JoinRefusedError) {
          throw new DeliveryFailedError(event, error.message);
        }
        throw new DeliveryFailedError(event, errorMessage(error));
      }
    }
  };
}

/** Pause after a push was cut off by a disconnect, before waiting for the rejoin. */
const DISCONNECTED_PAUSE_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
