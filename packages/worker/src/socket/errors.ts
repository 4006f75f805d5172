// Why a push on the worker socket got no usable answer. A `status: "error"` reply is not one of
// these: it is an answer, and the caller decides what it means.

/** No reply arrived within the push's timeout. */
export class PushTimeoutError extends Error {
  override name = 'PushTimeoutError';
  constructor(
    readonly topic: string,
    readonly event: string,
    readonly timeoutMs: number,
  ) {
    super(`No reply to ${event} on ${topic} within ${timeoutMs}ms`);
  }
}

/** The socket was not connected, or closed before the reply arrived. */
export class DisconnectedError extends Error {
  override name = 'DisconnectedError';
  constructor(
    readonly topic: string,
    readonly event: string,
  ) {
    super(`The socket was disconnected; ${event} on ${topic} got no reply`);
  }
}

/** The server refused to join the channel (`{"reason": "unauthorized"}` and the like). */
export class JoinRefusedError extends Error {
  override name = 'JoinRefusedError';
  constructor(
    readonly topic: string,
    readonly response: unknown,
  ) {
    super(`The server refused to join ${topic}: ${describeResponse(response)}`);
  }
}

/** The channel was left or closed by the server; nothing more can be sent on it. */
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
  constructor(readonly topic: string) {
    super(`The channel ${topic} is closed`);
  }
}

/** A short, loggable form of an error reply's `response`. */
export function describeResponse(response: unknown): string {
  if (response === null || response === undefined) return 'no reason given';
  try {
    const text = JSON.stringify(response);
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  } catch {
    return String(response);
  }
}
