// Phoenix Channels v2 JSON frames: `[join_ref, ref, topic, event, payload]`. Decoding never
// throws: whatever arrives on a socket, the caller gets a typed error it can log or answer.

import { MAX_FRAME_SIZE_BYTES } from './constants.js';
import { fail, ok, type Result } from './result.js';

export interface Frame<P = unknown> {
  /** Ref of the `phx_join` that opened the channel; `null` outside a channel (heartbeat). */
  joinRef: string | null;
  /** Ref of this push, echoed by its reply; `null` for server pushes. */
  ref: string | null;
  topic: string;
  event: string;
  payload: P;
}

export type FrameDecodeErrorCode =
  | 'too_large'
  | 'invalid_json'
  | 'not_a_frame'
  | 'invalid_join_ref'
  | 'invalid_ref'
  | 'invalid_topic'
  | 'invalid_event';

/** Why a frame could not be read. Returned, not thrown. */
export class FrameDecodeError extends Error {
  override name = 'FrameDecodeError';
  constructor(
    readonly code: FrameDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DecodeOptions {
  /** Frames larger than this are refused; default `MAX_FRAME_SIZE_BYTES`. */
  maxBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Reads one text frame.
 *
 * @example
 * const decoded = decodeFrame('[null,"1","phoenix","heartbeat",{}]');
 * if (decoded.ok) decoded.value.event // 'heartbeat'
 */
export function decodeFrame(
  data: string | Uint8Array,
  options: DecodeOptions = {},
): Result<Frame, FrameDecodeError> {
  const maxBytes = options.maxBytes ?? MAX_FRAME_SIZE_BYTES;
  const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
  if (size > maxBytes) {
    return fail(
      new FrameDecodeError('too_large', `frame is ${size} bytes; the limit is ${maxBytes} bytes`),
    );
  }
  const text = typeof data === 'string' ? data : utf8.decode(data);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(
      new FrameDecodeError('invalid_json', `frame is not JSON: ${(error as Error).message}`),
    );
  }
  return frameFromArray(parsed);
}

/** Checks an already-parsed value is a `[join_ref, ref, topic, event, payload]` array. */
export function frameFromArray(value: unknown): Result<Frame, FrameDecodeError> {
  if (!Array.isArray(value) || value.length !== 5) {
    return fail(
      new FrameDecodeError(
        'not_a_frame',
        'frame must be a JSON array [join_ref, ref, topic, event, payload]',
      ),
    );
  }
  const [joinRef, ref, topic, event, payload] = value as unknown[];
  if (joinRef !== null && typeof joinRef !== 'string') {
    return fail(new FrameDecodeError('invalid_join_ref', 'join_ref must be a string or null'));
  }
  if (ref !== null && typeof ref !== 'string') {
    return fail(new FrameDecodeError('invalid_ref', 'ref must be a string or null'));
  }
  if (typeof topic !== 'string' || topic.length === 0) {
    return fail(new FrameDecodeError('invalid_topic', 'topic must be a non-empty string'));
  }
  if (typeof event !== 'string' || event.length === 0) {
    return fail(new FrameDecodeError('invalid_event', 'event must be a non-empty string'));
  }
  return ok({ joinRef, ref, topic, event, payload });
}

/** Writes a frame as the JSON text sent on the socket. */
export function encodeFrame(frame: Frame): string {
  return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload]);
}
