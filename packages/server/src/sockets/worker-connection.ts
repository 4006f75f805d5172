// One worker's socket: decodes Phoenix frames, answers heartbeats, keeps track of the channels the
// worker joined, and hands each push to its channel. Pushes on one topic are handled strictly in
// arrival order (the worker relies on it: events of a run are sent one after the other); pushes
// on different topics (several runs at once) proceed side by side.
import {
  decodeFrame,
  encodeBinaryReply,
  encodeFrame,
  errorReply,
  type Frame,
  HEARTBEAT_INTERVAL_MS,
  okReply,
  PhoenixEvents,
  runIdFromTopic,
  Topics,
  unmatchedTopicReply,
} from '@lightning/protocol';
import type { FastifyBaseLogger } from 'fastify';
import WebSocket from 'ws';
import type { ServerContext } from '../http/context.js';
import { QueueChannel } from './queue-channel.js';
import { RunChannel } from './run-channel.js';
import type { WorkerKeys } from './worker-auth.js';

export interface ConnectionDependencies {
  context: ServerContext;
  keys: WorkerKeys;
  workerId: string;
  logger: FastifyBaseLogger;
}

/** A joined channel: handles the pushes on its topic. */
export interface Channel {
  handle(frame: Frame): Promise<void>;
  /** The worker left or the socket closed. */
  close(): void;
}

/** What channels use to answer. */
export interface Replier {
  reply(to: Frame, status: 'ok' | 'error', response: unknown): void;
  replyBinary(to: Frame, body: Uint8Array): void;
  push(frame: Frame): void;
  readonly isOpen: boolean;
}

/**
 * A worker sends a heartbeat every 30 s; a socket silent for twice that is dead (a worker killed
 * without closing its TCP connection, a dropped network) and is closed, as Phoenix does.
 */
const IDLE_TIMEOUT_MS = 2 * HEARTBEAT_INTERVAL_MS;

/**
 * Frames are read up to this size (ws's `maxPayload`); a larger one closes the socket with 1009,
 * since ws stops reading it before anything of it can be answered. Between MAX_FRAME_SIZE_BYTES
 * (the protocol's limit, which the worker keeps to) and this cap, a frame is refused on its own
 * with an error reply, and the socket and the worker's other runs carry on. A frame is buffered
 * whole before it is refused, so the cap bounds the memory one frame can take.
 */
export const HARD_FRAME_LIMIT_BYTES = 64 * 1024 * 1024;

/** Close code and reason for a frame over the hard cap (1009: "message too big"). */
const TOO_BIG_CODE = 1009;
const TOO_BIG_REASON = `frame larger than ${HARD_FRAME_LIMIT_BYTES} bytes`;

/** The start of a frame `[join_ref, ref, topic, event, …`, read without parsing the rest. */
const FRAME_HEAD =
  /^\s*\[\s*(null|"(?:[^"\\]|\\.)*")\s*,\s*(null|"(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)+")\s*,\s*("(?:[^"\\]|\\.)+")\s*,/;

/** How much of a frame is searched for its head. */
const HEAD_BYTES = 4096;

/**
 * The refs, topic and event of a frame that cannot be decoded whole (too large, or its payload is
 * not JSON), so the push can be answered; null when even those cannot be read.
 */
export function readFrameHead(data: Buffer): Omit<Frame, 'payload'> | null {
  const match = FRAME_HEAD.exec(data.subarray(0, HEAD_BYTES).toString('utf8'));
  if (!match) return null;
  try {
    const [joinRef, ref, topic, event] = match.slice(1).map((part) => JSON.parse(part!)) as (
      | string
      | null
    )[];
    if (typeof topic !== 'string' || typeof event !== 'string') return null;
    return { joinRef: joinRef ?? null, ref: ref ?? null, topic, event };
  } catch {
    return null;
  }
}

export class WorkerConnection implements Replier {
  private readonly channels = new Map<string, Channel>();
  /** The tail of each topic's queue of pushes being handled. */
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: ConnectionDependencies,
    private readonly idleTimeoutMs = IDLE_TIMEOUT_MS,
  ) {}

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  start(): void {
    const { socket, deps } = this;
    const log = deps.logger.child({ workerId: deps.workerId });
    log.info('worker connected');
    deps.context.metrics.workerConnections.inc();
    // ws closes an oversized frame's connection with 1009 but no reason text; a worker should
    // be told why. ws calls close(code) on this instance, so the reason is added here.
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) =>
      close(code, reason ?? (code === TOO_BIG_CODE ? TOO_BIG_REASON : undefined));
    socket.on('message', (data, isBinary) => {
      this.resetIdleTimer();
      this.receive(data as Buffer, isBinary);
    });
    this.resetIdleTimer();
    socket.on('error', (error) => log.warn({ err: error }, 'worker socket error'));
    socket.on('close', (code, reason) => {
      this.closed = true;
      deps.context.metrics.workerConnections.dec();
      clearTimeout(this.idleTimer);
      for (const channel of this.channels.values()) channel.close();
      this.channels.clear();
      log.info({ code, reason: reason.toString() || undefined }, 'worker disconnected');
    });
  }

  private resetIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.deps.logger.warn({ workerId: this.deps.workerId }, 'worker silent; closing its socket');
      this.socket.close(1000, 'heartbeat timeout');
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  reply(to: Frame, status: 'ok' | 'error', response: unknown): void {
    const frame = status === 'ok' ? okReply(to, response) : errorReply(to, response);
    this.send(encodeFrame(frame));
  }

  replyBinary(to: Frame, body: Uint8Array): void {
    this.send(
      encodeBinaryReply({ joinRef: to.joinRef, ref: to.ref, topic: to.topic, status: 'ok', body }),
    );
  }

  push(frame: Frame): void {
    this.send(encodeFrame(frame));
  }

  private send(data: string | Uint8Array): void {
    if (!this.isOpen) return;
    this.socket.send(data, { binary: typeof data !== 'string' });
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.socket.close(1003, 'binary frames are not accepted from workers');
      return;
    }
    const decoded = decodeFrame(data);
    if (!decoded.ok) {
      // Too large, or its payload is not JSON: when its head can be read, that one push is
      // refused with the reason, in its topic's order, and the socket (with the worker's other
      // runs) carries on. Nothing of it is stored.
      const head = readFrameHead(data);
      if (head?.ref) {
        const reason = decoded.error.code === 'too_large' ? 'frame_too_large' : 'invalid_frame';
        this.deps.logger.warn(
          { workerId: this.deps.workerId, topic: head.topic, event: head.event, reason },
          `push refused: ${decoded.error.message}`,
        );
        const response = { reason, errors: { frame: [decoded.error.message] } };
        this.enqueue(head.topic, async () =>
          this.reply({ ...head, payload: null }, 'error', response),
        );
        return;
      }
      // Not a Phoenix frame at all: nothing to reply to (no ref), so the socket is closed with
      // the reason, as Phoenix does. Close reasons are limited to 123 bytes.
      this.socket.close(1003, decoded.error.message.slice(0, 120));
      return;
    }
    const frame = decoded.value;
    if (frame.topic === Topics.phoenix && frame.event === PhoenixEvents.heartbeat) {
      this.reply(frame, 'ok', {});
      return;
    }
    this.enqueue(frame.topic, () => this.dispatch(frame), frame);
  }

  /** Runs `task` after the pushes of `topic` received before it. */
  private enqueue(topic: string, task: () => Promise<void>, frame?: Frame): void {
    const tail = this.queues.get(topic) ?? Promise.resolve();
    const next = tail
      .then(task)
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, topic, event: frame?.event }, 'push failed');
        if (frame) this.reply(frame, 'error', { reason: 'internal error' });
      })
      .finally(() => {
        if (this.queues.get(topic) === next) this.queues.delete(topic);
      });
    this.queues.set(topic, next);
  }

  private async dispatch(frame: Frame): Promise<void> {
    if (this.closed) return;
    if (frame.event === PhoenixEvents.join) {
      await this.join(frame);
      return;
    }
    const channel = this.channels.get(frame.topic);
    if (!channel) {
      this.send(encodeFrame(unmatchedTopicReply(frame)));
      return;
    }
    if (frame.event === PhoenixEvents.leave) {
      channel.close();
      this.channels.delete(frame.topic);
      this.reply(frame, 'ok', {});
      return;
    }
    await channel.handle(frame);
  }

  private async join(frame: Frame): Promise<void> {
    // Joining a topic again replaces the earlier membership, as in Phoenix.
    this.channels.get(frame.topic)?.close();
    this.channels.delete(frame.topic);
    const { context, keys, workerId } = this.deps;
    const logger = this.deps.logger.child({ workerId, topic: frame.topic });
    let channel: Channel | null = null;
    if (frame.topic === Topics.workerQueue) {
      channel = QueueChannel.join(frame, { connection: this, context, keys, logger });
    } else {
      const runId = runIdFromTopic(frame.topic);
      if (runId) {
        channel = await RunChannel.join(frame, runId, { connection: this, context, keys, logger });
      } else {
        this.send(encodeFrame(unmatchedTopicReply(frame)));
      }
    }
    if (channel && !this.closed) this.channels.set(frame.topic, channel);
    else channel?.close();
  }
}
