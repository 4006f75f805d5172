/**
 * The outcome of a check that is expected to fail sometimes (a frame off the network, a payload
 * from the other side, a token). Returned instead of thrown so one bad message can never crash
 * the socket that received it.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
