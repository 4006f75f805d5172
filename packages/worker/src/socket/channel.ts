// One Phoenix channel on the worker socket (`worker:queue` or `run:<id>`). Once joined, a
// channel stays joined across reconnects: when the socket comes back it joins again with fresh
// params, as the Phoenix JS client does, so a run in flight can go on sending its events. A
// join refused by the server (a bad or expired run token) is final.

import { type Frame, PhoenixEvents, pushFrame, type ReplyPayload } from '@lightning/protocol';
import {
  ChannelClosedError,
  DisconnectedError,
  JoinRefusedError,
  PushTimeoutError,
} from './errors.js';
import type { PhoenixSocket } from './phoenix-socket.js';

export interface ChannelOptions {
  /** The join payload, read at every (re)join. */
  params: () => Record<string, unknown>;
  /** How long a join may wait for its reply. Default: the socket's push timeout. */
  joinTimeoutMs?: number;
  /** Delay before joining again after the server crashed the channel (`phx_error`). Default 1 s. */
  rejoinDelayMs?: number;
}

export type ChannelState = 'closed' | 'joining' | 'joined' | 'errored' | 'refused';

type Listener = (payload: unknown) => void;

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Channel {
  private state: ChannelState = 'closed';
  private joinRef: string | null = null;
  private wantsJoin = false;
  private failure: Error | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly joinedListeners = new Set<() => void>();
  private waiters: Waiter[] = [];
  private rejoinTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly socket: PhoenixSocket,
    readonly topic: string,
    private readonly options: ChannelOptions,
    private readonly onRemoved: () => void,
  ) {}

  get isJoined(): boolean {
    return this.state === 'joined' && this.socket.isConnected;
  }

  /**
   * Join now (or as soon as the socket is connected) and keep the channel joined across
   * reconnects. Resolves on the first successful join; rejects with `JoinRefusedError` if the
   * server refuses it, or `PushTimeoutError` if it is not joined within `timeoutMs` (the channel
   * keeps trying until `leave`).
   */
  join(timeoutMs?: number): Promise<void> {
    if (!this.wantsJoin) {
      this.wantsJoin = true;
      this.failure = null;
      this.unsubscribe.push(
        this.socket.onOpen(() => this.rejoin()),
        this.socket.onClose(() => {
          if (this.state === 'joined' || this.state === 'joining') this.state = 'errored';
        }),
      );
      if (this.socket.isConnected) this.rejoin();
    }
    return this.whenJoined(timeoutMs);
  }

  /**
   * Resolves when the channel is joined (now, or after a reconnect); rejects when it never will
   * be (refused, left, closed by the server) or after `timeoutMs`.
   */
  whenJoined(timeoutMs?: number): Promise<void> {
    if (this.isJoined) return Promise.resolve();
    if (!this.wantsJoin) {
      // `failure` is set only for refusals: a plain close makes its error when someone asks.
      return Promise.reject(this.failure ?? new ChannelClosedError(this.topic));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new PushTimeoutError(this.topic, PhoenixEvents.join, timeoutMs));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /**
   * Push an event and wait for its reply (either status). Rejects with `DisconnectedError` when
   * the channel is not joined right now, `PushTimeoutError` when no reply comes in time.
   */
  push(event: string, payload: unknown, timeoutMs?: number): Promise<ReplyPayload> {
    if (!this.isJoined) return Promise.reject(new DisconnectedError(this.topic, event));
    const frame = pushFrame(this.topic, event, payload, {
      joinRef: this.joinRef,
      ref: this.socket.makeRef(),
    }) as Frame & { ref: string };
    return this.socket.request(frame, timeoutMs);
  }

  /** Server pushes on this channel (`work-available`). */
  on(event: string, listener: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Called after every successful (re)join. */
  onJoined(listener: () => void): () => void {
    this.joinedListeners.add(listener);
    return () => this.joinedListeners.delete(listener);
  }

  /** Leave the channel (best effort: a dead socket or a slow reply does not hold this up). */
  async leave(timeoutMs = 5000): Promise<void> {
    const wasJoined = this.isJoined;
    this.close(null);
    if (!wasJoined) return;
    const frame = pushFrame(
      this.topic,
      PhoenixEvents.leave,
      {},
      {
        joinRef: this.joinRef,
        ref: this.socket.makeRef(),
      },
    ) as Frame & { ref: string };
    try {
      await this.socket.request(frame, timeoutMs);
    } catch {
      // The server forgets the channel when the socket goes anyway.
    }
  }

  /** A frame for this topic that is not a reply to one of our pushes. */
  receive(frame: Frame): void {
    const isLifecycle = frame.event === PhoenixEvents.error || frame.event === PhoenixEvents.close;
    if (isLifecycle) {
      // Lifecycle frames of an earlier join of this topic are stale.
      if (frame.joinRef !== null && frame.joinRef !== this.joinRef) return;
      if (frame.event === PhoenixEvents.close) {
        this.close(null);
      } else if (this.wantsJoin) {
        this.state = 'errored';
        clearTimeout(this.rejoinTimer);
        this.rejoinTimer = setTimeout(() => this.rejoin(), this.options.rejoinDelayMs ?? 1000);
      }
      return;
    }
    for (const listener of this.listeners.get(frame.event) ?? []) listener(frame.payload);
  }

  private rejoin(): void {
    if (!this.wantsJoin || !this.socket.isConnected || this.state === 'joining') return;
    clearTimeout(this.rejoinTimer);
    this.state = 'joining';
    const joinRef = this.socket.makeRef();
    this.joinRef = joinRef;
    const frame = pushFrame(this.topic, PhoenixEvents.join, this.options.params(), {
      joinRef,
      ref: joinRef,
    }) as Frame & { ref: string };
    this.socket.request(frame, this.options.joinTimeoutMs).then(
      (reply) => this.onJoinReply(joinRef, reply),
      (error: Error) => {
        if (this.joinRef !== joinRef || !this.wantsJoin) return;
        this.state = 'errored';
        // A timed-out join is tried again while connected; after a disconnect, onOpen does it.
        if (error instanceof PushTimeoutError && this.socket.isConnected) {
          this.rejoinTimer = setTimeout(() => this.rejoin(), this.options.rejoinDelayMs ?? 1000);
        }
      },
    );
  }

  private onJoinReply(joinRef: string, reply: ReplyPayload): void {
    if (this.joinRef !== joinRef || !this.wantsJoin) return;
    if (reply.status === 'ok') {
      this.state = 'joined';
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter.resolve();
      for (const listener of [...this.joinedListeners]) listener();
      return;
    }
    this.state = 'refused';
    this.close(new JoinRefusedError(this.topic, reply.response));
  }

  /**
   * No more joins: refuse waiters with `error` (a refusal) or a `ChannelClosedError`, and forget
   * the channel.
   */
  private close(error: Error | null): void {
    if (this.state !== 'refused') this.state = 'closed';
    this.wantsJoin = false;
    this.failure = error;
    clearTimeout(this.rejoinTimer);
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error ?? new ChannelClosedError(this.topic));
    this.onRemoved();
  }
}
