// Builders for the frames a side sends other than its own pushes: replies (`phx_reply`), the
// heartbeat, and Phoenix's `phx_error` / `phx_close` channel lifecycle frames.

import { PhoenixEvents, Topics } from './constants.js';
import type { Frame } from './frames.js';

export type ReplyStatus = 'ok' | 'error';

/** Payload of a `phx_reply` frame. */
export interface ReplyPayload<R = unknown> {
  status: ReplyStatus;
  response: R;
}

/** The refs and topic of the push being answered. */
export type PushRefs = Pick<Frame, 'joinRef' | 'ref' | 'topic'>;

/**
 * `[join_ref, ref, topic, "phx_reply", {status, response}]`, echoing the refs of the push.
 *
 * @example
 * encodeFrame(replyFrame(push, 'ok', { runs: [] }))
 */
export function replyFrame<R>(
  to: PushRefs,
  status: ReplyStatus,
  response: R,
): Frame<ReplyPayload<R>> {
  return {
    joinRef: to.joinRef,
    ref: to.ref,
    topic: to.topic,
    event: PhoenixEvents.reply,
    payload: { status, response },
  };
}

/** An `ok` reply; the response defaults to `{}`. */
export function okReply<R = Record<string, never>>(
  to: PushRefs,
  response: R = {} as R,
): Frame<ReplyPayload<R>> {
  return replyFrame(to, 'ok', response);
}

/** An `error` reply, e.g. `{reason: "unauthorized"}` or `{errors: {field: [message]}}`. */
export function errorReply<R>(to: PushRefs, response: R): Frame<ReplyPayload<R>> {
  return replyFrame(to, 'error', response);
}

/** What Phoenix answers a push to a topic the socket has not joined. */
export function unmatchedTopicReply(to: PushRefs): Frame<ReplyPayload<{ reason: string }>> {
  return errorReply(to, { reason: 'unmatched topic' });
}

/** The client's heartbeat: `[null, ref, "phoenix", "heartbeat", {}]`. The server must reply ok. */
export function heartbeatFrame(ref: string): Frame<Record<string, never>> {
  return { joinRef: null, ref, topic: Topics.phoenix, event: PhoenixEvents.heartbeat, payload: {} };
}

/** A push on a channel (server → worker such as `work-available`, or worker → server). */
export function pushFrame<P>(
  topic: string,
  event: string,
  payload: P,
  refs: { joinRef?: string | null; ref?: string | null } = {},
): Frame<P> {
  return { joinRef: refs.joinRef ?? null, ref: refs.ref ?? null, topic, event, payload };
}

/**
 * The channel crashed: `[join_ref, join_ref, topic, "phx_error", {}]`. Phoenix sets both refs to
 * the join ref; the JS client ignores lifecycle frames whose join_ref is not its current one.
 */
export function phxErrorFrame(joinRef: string | null, topic: string): Frame<Record<string, never>> {
  return { joinRef, ref: joinRef, topic, event: PhoenixEvents.error, payload: {} };
}

/** The server closed the channel: `[join_ref, join_ref, topic, "phx_close", {}]`. */
export function phxCloseFrame(joinRef: string | null, topic: string): Frame<Record<string, never>> {
  return { joinRef, ref: joinRef, topic, event: PhoenixEvents.close, payload: {} };
}

/**
 * Reads the payload of a `phx_reply` frame, or `null` if it is not `{status: ok|error, response}`.
 * A missing `response` (Lightning replies `nil` to some events) is read as `null`.
 */
export function readReplyPayload(payload: unknown): ReplyPayload | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const { status, response } = payload as { status?: unknown; response?: unknown };
  if (status !== 'ok' && status !== 'error') return null;
  return { status, response: response ?? null };
}
