// The binary reply frame of Phoenix's v2 serializer, which Lightning uses to answer
// `fetch:dataclip` with the dataclip's JSON text without re-encoding it as a JSON string:
//
//   byte 0      kind (1 = reply)
//   bytes 1–4   byte lengths of join_ref, ref, topic and status (one byte each, so ≤ 255)
//   then        join_ref, ref, topic, status as UTF-8, then the raw body bytes to the end
//
// The JS Phoenix client hands the body to the caller as an ArrayBuffer in `response`.
// A `null` join_ref or ref is written as an empty string, as Phoenix does, and read back as null.

import type { Frame } from './frames.js';
import { type ReplyPayload, type ReplyStatus, replyFrame } from './replies.js';
import { fail, ok, type Result } from './result.js';

export const BINARY_KIND_REPLY = 1;

const HEADER_BYTES = 5;
const MAX_FIELD_BYTES = 255;

export interface BinaryReply {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  status: ReplyStatus;
  body: Uint8Array;
}

export type BinaryDecodeErrorCode =
  | 'truncated'
  | 'not_a_reply'
  | 'invalid_topic'
  | 'invalid_status';

/** Why a binary frame could not be read. Returned, not thrown. */
export class BinaryDecodeError extends Error {
  override name = 'BinaryDecodeError';
  constructor(
    readonly code: BinaryDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * Writes a binary reply. Throws a `RangeError` if join_ref, ref, topic or status is longer than
 * 255 bytes: those are our own values, so that is a programming error, not bad input.
 *
 * @example
 * encodeBinaryReply({ joinRef: '3', ref: '7', topic: 'run:42', status: 'ok', body: Buffer.from('{"data":{}}') })
 */
export function encodeBinaryReply(reply: BinaryReply): Uint8Array {
  const fields = [reply.joinRef ?? '', reply.ref ?? '', reply.topic, reply.status].map(
    (text, i) => {
      const bytes = encoder.encode(text);
      if (bytes.byteLength > MAX_FIELD_BYTES) {
        const name = ['join_ref', 'ref', 'topic', 'status'][i];
        throw new RangeError(`${name} must be at most ${MAX_FIELD_BYTES} bytes in a binary reply`);
      }
      return bytes;
    },
  );
  const headerSize = HEADER_BYTES + fields.reduce((sum, f) => sum + f.byteLength, 0);
  const out = new Uint8Array(headerSize + reply.body.byteLength);
  out[0] = BINARY_KIND_REPLY;
  let offset = HEADER_BYTES;
  fields.forEach((field, i) => {
    out[i + 1] = field.byteLength;
    out.set(field, offset);
    offset += field.byteLength;
  });
  out.set(reply.body, offset);
  return out;
}

/** Reads a binary reply frame; the body is a view on the input, not a copy. */
export function decodeBinaryReply(
  data: Uint8Array | ArrayBuffer,
): Result<BinaryReply, BinaryDecodeError> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < HEADER_BYTES) {
    return fail(new BinaryDecodeError('truncated', 'binary frame is shorter than its header'));
  }
  if (bytes[0] !== BINARY_KIND_REPLY) {
    return fail(
      new BinaryDecodeError(
        'not_a_reply',
        `binary frame kind must be ${BINARY_KIND_REPLY} (reply), got ${bytes[0]}`,
      ),
    );
  }
  const sizes = [bytes[1]!, bytes[2]!, bytes[3]!, bytes[4]!];
  const headerSize = HEADER_BYTES + sizes.reduce((sum, n) => sum + n, 0);
  if (bytes.byteLength < headerSize) {
    return fail(
      new BinaryDecodeError('truncated', 'binary frame is shorter than its declared fields'),
    );
  }
  let offset = HEADER_BYTES;
  const [joinRef, ref, topic, status] = sizes.map((size) => {
    const text = decoder.decode(bytes.subarray(offset, offset + size));
    offset += size;
    return text;
  }) as [string, string, string, string];
  if (topic.length === 0) {
    return fail(new BinaryDecodeError('invalid_topic', 'binary reply has an empty topic'));
  }
  if (status !== 'ok' && status !== 'error') {
    return fail(
      new BinaryDecodeError(
        'invalid_status',
        `binary reply status must be ok or error, got ${JSON.stringify(status)}`,
      ),
    );
  }
  return ok({
    joinRef: joinRef === '' ? null : joinRef,
    ref: ref === '' ? null : ref,
    topic,
    status,
    body: bytes.subarray(headerSize),
  });
}

/**
 * A decoded binary reply as an ordinary `phx_reply` frame whose `response` is the body bytes, so
 * a client can route text and binary replies through the same code.
 */
export function binaryReplyToFrame(reply: BinaryReply): Frame<ReplyPayload<Uint8Array>> {
  return replyFrame(reply, reply.status, reply.body);
}
