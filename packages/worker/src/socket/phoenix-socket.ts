// The worker's one WebSocket to the server, speaking Phoenix Channels v2 (spec §1): pushes with
// refs whose replies resolve promises, heartbeats, binary replies, and reconnection with backoff.
// It does what the Phoenix JS client does for the OpenFn worker, with two deliberate differences:
// a push waiting for a reply fails at once when the socket closes (instead of waiting out its
// timeout), so a run's events are resent promptly after a reconnect; and each connection attempt
// asks for a fresh URL, because the worker token is signed anew at every connect.

import {
  binaryReplyToFrame,
  decodeBinaryReply,
  decodeFrame,
  encodeFrame,
  type Frame,
  HEARTBEAT_INTERVAL_MS,
  heartbeatFrame,
  MAX_FRAME_SIZE_BYTES,
  PhoenixEvents,
  type ReplyPayload,
  readReplyPayload,
} from '@lightning/protocol';
import WebSocket from 'ws';
import { errorMessage, type WorkerLogger } from '../logger.js';
import { Channel, type ChannelOptions } from './channel.js';
import { DisconnectedError, PushTimeoutError } from './errors.js';

export interface PhoenixSocketOptions {
  /** The URL of each connection attempt; called every time, so the token can be fresh. */
  url: () => string | Promise<string>;
  logger: WorkerLogger;
  /** Default 30 s, as Phoenix. A heartbeat still unanswered at the next tick drops the socket. */
  heartbeatIntervalMs?: number;
  /** Default timeout of a push's reply. Default 30 s (OpenFn's message timeout). */
  pushTimeoutMs?: number;
  /** How long the WebSocket handshake may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** Delay before reconnect attempt `n` (1, 2, …). Default `min(n × 1 s, 10 s)`. */
  reconnectDelayMs?: (attempt: number) => number;
}

export type SocketStatus = 'idle' | 'connecting' | 'open' | 'closed';

interface PendingReply {
  topic: string;
  event: string;
  timer: NodeJS.Timeout;
  resolve: (reply: ReplyPayload) => void;
  reject: (error: Error) => void;
}

const defaultReconnectDelay = (attempt: number) => Math.min(attempt * 1000, 10_000);
const unexpectedResponse = /Unexpected server response: (\d+)/;
const CHAN_REPLY_PREFIX = 'chan_reply_';

export class PhoenixSocket {
  readonly pushTimeoutMs: number;
  private readonly logger: WorkerLogger;
  private ws: WebSocket | null = null;
  private status: SocketStatus = 'idle';
  private nextRef = 0;
  private readonly pending = new Map<string, PendingReply>();
  private readonly channels = new Map<string, Channel>();
  private readonly openListeners = new Set<() => void>();
  private readonly closeListeners = new Set<() => void>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatRef: string | null = null;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failedAttempts = 0;
  private wantsConnection = false;
  private closed: Promise<void> = Promise.resolve();
  private markClosed: () => void = () => {};

  constructor(private readonly options: PhoenixSocketOptions) {
    this.logger = options.logger;
    this.pushTimeoutMs = options.pushTimeoutMs ?? 30_000;
  }

  /**
   * Open and not closing: once the server has sent its close frame, `ws` refuses to send even
   * though no 'close' event has come yet.
   */
  get isConnected(): boolean {
    return this.status === 'open' && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Start connecting; the socket then stays connected (reconnecting as needed) until `disconnect`. */
  connect(): void {
    if (this.wantsConnection) return;
    this.wantsConnection = true;
    void this.open();
  }

  /** Close for good: no reconnect; pending pushes fail with `DisconnectedError`. */
  async disconnect(): Promise<void> {
    this.wantsConnection = false;
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    if (!ws) return;
    const closed = this.closed;
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'worker shutting down');
    else ws.terminate();
    // A server that never completes the close handshake must not hold the shutdown up.
    const timer = setTimeout(() => ws.terminate(), 2000);
    await closed;
    clearTimeout(timer);
  }

  /** The channel for `topic`, created on first use. */
  channel(topic: string, options: ChannelOptions): Channel {
    let channel = this.channels.get(topic);
    if (!channel) {
      channel = new Channel(this, topic, options, () => this.channels.delete(topic));
      this.channels.set(topic, channel);
    }
    return channel;
  }

  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  makeRef(): string {
    this.nextRef = (this.nextRef + 1) % Number.MAX_SAFE_INTEGER;
    return String(this.nextRef);
  }

  /**
   * Send a push and wait for its `phx_reply`. Resolves with the reply whatever its status;
   * rejects with `PushTimeoutError` or `DisconnectedError`.
   */
  request(frame: Frame & { ref: string }, timeoutMs = this.pushTimeoutMs): Promise<ReplyPayload> {
    const ws = this.ws;
    if (!ws || !this.isConnected) {
      return Promise.reject(new DisconnectedError(frame.topic, frame.event));
    }
    return new Promise<ReplyPayload>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(frame.ref);
        reject(new PushTimeoutError(frame.topic, frame.event, timeoutMs));
      }, timeoutMs);
      this.pending.set(frame.ref, {
        topic: frame.topic,
        event: frame.event,
        timer,
        resolve,
        reject,
      });
      ws.send(encodeFrame(frame), (error) => {
        if (!error) return;
        const pending = this.pending.get(frame.ref);
        if (!pending) return;
        clearTimeout(pending.timer);
        this.pending.delete(frame.ref);
        reject(new DisconnectedError(frame.topic, frame.event));
      });
    });
  }

  private async open(): Promise<void> {
    if (!this.wantsConnection) return;
    this.status = 'connecting';
    let url: string;
    try {
      url = await this.options.url();
    } catch (error) {
      this.logger.error({ err: errorMessage(error) }, 'Could not build the worker socket URL');
      this.status = 'closed';
      this.scheduleReconnect();
      return;
    }
    if (!this.wantsConnection) return;
    const ws = new WebSocket(url, {
      maxPayload: MAX_FRAME_SIZE_BYTES,
      handshakeTimeout: this.options.connectTimeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    let failure: string | null = null;

    ws.on('open', () => {
      this.status = 'open';
      if (this.failedAttempts > 0) {
        this.logger.info({ attempts: this.failedAttempts }, 'Reconnected to the server');
      }
      this.failedAttempts = 0;
      this.startHeartbeat();
      for (const listener of [...this.openListeners]) listener();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('error', (error) => {
      failure = error.message;
      const status = unexpectedResponse.exec(error.message)?.[1];
      if (status === '401' || status === '403') {
        this.logger.error(
          { status: Number(status) },
          'The server refused the worker socket token: check that WORKER_SECRET matches the server',
        );
      } else if (this.failedAttempts === 0 || this.status === 'open') {
        this.logger.warn({ err: error.message }, 'Worker socket error');
      }
    });
    ws.on('close', (code, reason) => {
      const wasOpen = this.status === 'open';
      this.status = 'closed';
      this.ws = null;
      this.stopHeartbeat();
      for (const [ref, pending] of this.pending) {
        clearTimeout(pending.timer);
        this.pending.delete(ref);
        pending.reject(new DisconnectedError(pending.topic, pending.event));
      }
      if (wasOpen) {
        const fields = { code, reason: reason.toString() || undefined };
        if (this.wantsConnection) this.logger.warn(fields, 'Lost the connection to the server');
        else this.logger.info(fields, 'Disconnected');
        for (const listener of [...this.closeListeners]) listener();
      } else {
        this.failedAttempts++;
        this.logger.debug({ err: failure, attempt: this.failedAttempts }, 'Could not connect');
      }
      this.markClosed();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (!this.wantsConnection) return;
    const delay = (this.options.reconnectDelayMs ?? defaultReconnectDelay)(
      Math.max(1, this.failedAttempts),
    );
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.open(), delay);
  }

  private receive(data: Buffer, isBinary: boolean): void {
    let frame: Frame;
    if (isBinary) {
      const decoded = decodeBinaryReply(data);
      if (!decoded.ok) {
        this.logger.warn({ err: decoded.error.message }, 'Ignored an unreadable binary frame');
        return;
      }
      frame = binaryReplyToFrame(decoded.value);
    } else {
      const decoded = decodeFrame(data);
      if (!decoded.ok) {
        this.logger.warn({ err: decoded.error.message }, 'Ignored an unreadable frame');
        return;
      }
      frame = decoded.value;
    }

    // Phoenix replies with `phx_reply`; older servers and OpenFn's lightning-mock send
    // `chan_reply_<ref>` events instead, which the Phoenix JS client also accepts.
    const replyRef =
      frame.event === PhoenixEvents.reply
        ? frame.ref
        : frame.event.startsWith(CHAN_REPLY_PREFIX)
          ? frame.event.slice(CHAN_REPLY_PREFIX.length)
          : null;
    if (replyRef !== null) {
      if (replyRef === this.heartbeatRef) {
        this.heartbeatRef = null;
        return;
      }
      const pending = this.pending.get(replyRef);
      if (pending) {
        clearTimeout(pending.timer);
        this.pending.delete(replyRef);
        pending.resolve(
          readReplyPayload(frame.payload) ?? {
            status: 'error',
            response: { reason: 'malformed reply' },
          },
        );
        return;
      }
    }
    this.channels.get(frame.topic)?.receive(frame);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || this.status !== 'open') return;
      if (this.heartbeatRef !== null) {
        // The previous heartbeat is still unanswered: the connection is dead or the server is
        // wedged. Drop it; the close handler reconnects.
        this.logger.warn('No reply to the last heartbeat; reconnecting');
        this.heartbeatRef = null;
        ws.terminate();
        return;
      }
      this.heartbeatRef = this.makeRef();
      ws.send(encodeFrame(heartbeatFrame(this.heartbeatRef)));
    }, this.options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.heartbeatRef = null;
  }
}
