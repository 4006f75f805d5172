// Keeps every push under the socket's frame limit. A frame over MAX_FRAME_SIZE_BYTES makes the
// server close the socket; the worker would reconnect and send the same event again, until the
// run is given up and swept as lost: the "one large step:complete loses the run" failure. The
// runtime already withholds outputs over the plan's payload limit, but a state just under 10 MB
// can still exceed 11 MB once escaped as a JSON string inside the frame. Such an output is sent
// as DATACLIP_TOO_LARGE instead, exactly as if the runtime had withheld it.

import { DATACLIP_TOO_LARGE, MAX_FRAME_SIZE_BYTES } from '@lightning/protocol';
import type { RunPush } from './run-event-payloads.js';

/** Room left for the frame around the payload (refs, topic, event name). */
const ENVELOPE_BYTES = 64 * 1024;
export const PAYLOAD_LIMIT_BYTES = MAX_FRAME_SIZE_BYTES - ENVELOPE_BYTES;

/**
 * JSON escaping grows a string at most sixfold (a control character becomes `\u00XX`), so a
 * dataclip shorter than this can never overflow a frame and is not measured.
 */
const SAFE_UNMEASURED_CHARS = Math.floor(PAYLOAD_LIMIT_BYTES / 6);

const payloadBytes = (payload: unknown) => Buffer.byteLength(JSON.stringify(payload));

/** OpenFn's default `WORKER_MAX_LOG_PAYLOAD_MB`. */
export const DEFAULT_LOG_PAYLOAD_MB = 1;

/**
 * Largest log line limit honoured: a line of 10 MB (its message's JSON) still fits in a frame
 * with its other fields, alone in a `run:batch_logs` (a batch holds more lines only while it stays
 * under the queue's `batchBytes`).
 */
export const MAX_LOG_PAYLOAD_MB = 10;

/**
 * The log line limit of a run: the plan's `log_payload_limit_mb` when it sets one (as OpenFn's
 * worker does), else `WORKER_MAX_LOG_PAYLOAD_MB`, never above what fits in one frame.
 *
 * @example
 * logPayloadLimitMb(undefined, 1) // 1
 * logPayloadLimitMb(50, 1) // 10
 */
export function logPayloadLimitMb(planLimitMb: unknown, workerLimitMb?: number): number {
  const chosen =
    typeof planLimitMb === 'number' && planLimitMb > 0
      ? planLimitMb
      : workerLimitMb && workerLimitMb > 0
        ? workerLimitMb
        : DEFAULT_LOG_PAYLOAD_MB;
  return Math.min(chosen, MAX_LOG_PAYLOAD_MB);
}

/** Longest `error_message` sent: a job can throw an error with a message of any size. */
export const MAX_ERROR_MESSAGE_CHARS = 64 * 1024;

/** The push with an over-long `error_message` cut, and marked so. */
function withShortErrorMessage(push: RunPush): RunPush {
  if (push.event !== 'step:complete' && push.event !== 'run:complete') return push;
  const message = push.payload.error_message;
  if (typeof message !== 'string' || message.length <= MAX_ERROR_MESSAGE_CHARS) return push;
  const cut = `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)} … [error message truncated: it has ${message.length} characters]`;
  return { ...push, payload: { ...push.payload, error_message: cut } } as RunPush;
}

export interface FrameBudget {
  /** Characters of output dataclips sent so far in the run (bounds the final state's size). */
  outputChars: number;
  /** Whether an output was withheld (its state may still be part of the final state). */
  hasWithheld: boolean;
}

export function createFrameBudget(): FrameBudget {
  return { outputChars: 0, hasWithheld: false };
}

/**
 * The push, changed if needed to fit in one frame, and a line for the run's log saying what was
 * left out.
 */
export function fitToFrame(push: RunPush, budget: FrameBudget): { push: RunPush; note?: string } {
  push = withShortErrorMessage(push);
  if (push.event === 'step:complete') {
    const payload = push.payload;
    if (payload.output_dataclip_error) budget.hasWithheld = true;
    const dataclip = payload.output_dataclip;
    if (typeof dataclip !== 'string') return { push };
    if (dataclip.length <= SAFE_UNMEASURED_CHARS || payloadBytes(payload) <= PAYLOAD_LIMIT_BYTES) {
      budget.outputChars += dataclip.length;
      return { push };
    }
    budget.hasWithheld = true;
    const { output_dataclip: _, output_dataclip_id: __, ...rest } = payload;
    return {
      push: { event: push.event, payload: { ...rest, output_dataclip_error: DATACLIP_TOO_LARGE } },
      note: `Dataclip exceeds the socket frame limit of ${MAX_FRAME_SIZE_BYTES} bytes: the output of step ${payload.step_id} is not sent`,
    };
  }
  if (push.event === 'run:complete') {
    const payload = push.payload;
    if (payload.final_state === undefined) return { push };
    const mayOverflow = budget.hasWithheld || budget.outputChars > SAFE_UNMEASURED_CHARS;
    if (!mayOverflow || payloadBytes(payload) <= PAYLOAD_LIMIT_BYTES) return { push };
    const { final_state: _, ...rest } = payload;
    return {
      push: { event: push.event, payload: rest },
      note: `The final state exceeds the socket frame limit of ${MAX_FRAME_SIZE_BYTES} bytes and is not sent`,
    };
  }
  return { push };
}
