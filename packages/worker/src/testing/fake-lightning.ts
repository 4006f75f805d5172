// A scripted stand-in for the server's worker socket, for the worker's own tests: it speaks the
// same Phoenix v2 frames (including the binary `fetch:dataclip` reply), checks the worker token,
// hands out queued runs on `claim`, records every push in arrival order, and lets a test inject
// error replies, silence, or a dropped connection at any push. Like OpenFn's lightning-mock, but
// with heartbeats answered, as the spec requires.

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  decodeFrame,
  encodeBinaryReply,
  encodeFrame,
  type Frame,
  okReply,
  PhoenixEvents,
  pushFrame,
  readWorkerSocketQuery,
  replyFrame,
  runIdFromTopic,
  signRunToken,
  unmatchedTopicReply,
  verifyWorkerToken,
} from '@lightning/protocol';
import { WebSocket, WebSocketServer } from 'ws';

export interface FakeRun {
  id: string;
  /** The reply to `fetch:plan`. */
  plan: Record<string, unknown>;
  /** The input dataclip's body, sent as a binary reply. */
  dataclip?: unknown;
  credentials?: Record<string, Record<string, unknown>>;
}

export interface ReceivedPush {
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

/** What to do instead of the default answer to a push. */
export type PushOverride =
  | { reply: 'ok' | 'error'; response: unknown }
  | { ignore: true }
  | { dropSocket: true };

export interface FakeLightningOptions {
  secret: string;
  /** Base64 PEM private key; when given, claims hand out real RS256 run tokens. */
  runsPrivateKey?: string;
  /**
   * Answer as OpenFn's lightning-mock does: replies as `chan_reply_<ref>` events, and the
   * dataclip as a JSON array of byte values instead of a binary frame.
   */
  mockStyle?: boolean;
  /** Keep every push in `pushes` (default true; false for long measurements). */
  recordPushes?: boolean;
  /** Answer heartbeats (default true; false plays a wedged server). */
  answerHeartbeats?: boolean;
  /** Called for every push before the default answer; return an override to change it. */
  intercept?: (push: ReceivedPush, attempt: number) => PushOverride | undefined;
}

export interface FakeLightning {
  /** Worker socket base URL, e.g. `ws://127.0.0.1:41234/worker`. */
  url: string;
  /** Query of each accepted connection (token, api_version, worker_version, vsn). */
  connectionQueries: URLSearchParams[];
  /** Every push received, in order (heartbeats excluded). */
  pushes: ReceivedPush[];
  /** Pushes received on `run:<runId>`, in order. */
  runPushes(runId: string): ReceivedPush[];
  /** Queue a run and tell connected workers (`work-available`). */
  enqueue(run: FakeRun, options?: { notify?: boolean }): void;
  /** Resolves with the `run:complete` payload of a run. */
  waitForCompletion(runId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves once a worker has joined `worker:queue` (`count` joins in total). */
  waitForQueueJoin(count?: number, timeoutMs?: number): Promise<void>;
  /** Push `event` on `topic` to every worker that joined it, with the ref of its latest join. */
  pushToChannel(topic: string, event: string, payload?: unknown): void;
  /** Terminate every worker connection (as a crashing server would). */
  dropConnections(): void;
  readonly stats: {
    connections: number;
    refused: number;
    heartbeats: number;
    claims: number;
    queueJoins: number;
  };
  close(): Promise<void>;
}

export async function startFakeLightning(options: FakeLightningOptions): Promise<FakeLightning> {
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 11_000_000 });
  const queue: FakeRun[] = [];
  const runs = new Map<string, { run: FakeRun; token: string }>();
  const pushes: ReceivedPush[] = [];
  const attempts = new Map<string, number>();
  const completions = new Map<string, Record<string, unknown>>();
  const completionWaiters = new Map<string, ((payload: Record<string, unknown>) => void)[]>();
  const sockets = new Set<WebSocket>();
  const queueMembers = new Map<WebSocket, string>();
  const joinRefs = new Map<WebSocket, Map<string, string | null>>();
  const connectionQueries: URLSearchParams[] = [];
  const stats = { connections: 0, refused: 0, heartbeats: 0, claims: 0, queueJoins: 0 };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that gives up on a refused upgrade may reset the connection; that is not a failure
    // of the test, and an unhandled socket error would be.
    socket.on('error', () => {});
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const query = readWorkerSocketQuery(url.searchParams);
      const verified =
        url.pathname === '/worker/websocket' && query.token
          ? await verifyWorkerToken(options.secret, query.token)
          : null;
      if (!verified?.ok) {
        stats.refused++;
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        stats.connections++;
        connectionQueries.push(url.searchParams);
        sockets.add(ws);
        ws.on('close', () => {
          sockets.delete(ws);
          joinRefs.delete(ws);
          queueMembers.delete(ws);
        });
        ws.on('message', (data: Buffer) => void onMessage(ws, data));
      });
    })();
  });

  const send = (ws: WebSocket, frame: Frame) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const styled =
      options.mockStyle && frame.event === PhoenixEvents.reply
        ? { ...frame, event: `chan_reply_${frame.ref}` }
        : frame;
    ws.send(encodeFrame(styled));
  };

  async function onMessage(ws: WebSocket, data: Buffer): Promise<void> {
    const decoded = decodeFrame(data);
    if (!decoded.ok) return;
    const frame = decoded.value;
    if (frame.topic === 'phoenix' && frame.event === PhoenixEvents.heartbeat) {
      stats.heartbeats++;
      if (options.answerHeartbeats !== false) send(ws, okReply(frame));
      return;
    }
    const push: ReceivedPush = {
      topic: frame.topic,
      event: frame.event,
      payload: (frame.payload ?? {}) as Record<string, unknown>,
    };
    if (options.recordPushes !== false) pushes.push(push);
    if (frame.event === PhoenixEvents.join) {
      const refs = joinRefs.get(ws) ?? new Map<string, string | null>();
      refs.set(frame.topic, frame.joinRef);
      joinRefs.set(ws, refs);
    }
    let attempt = 1;
    if (options.intercept) {
      const key = `${frame.topic} ${frame.event} ${JSON.stringify(frame.payload)}`;
      attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
    }
    const override = options.intercept?.(push, attempt);
    if (override && 'dropSocket' in override) {
      ws.terminate();
      return;
    }
    if (override && 'ignore' in override) return;
    if (override && 'reply' in override) {
      send(ws, replyFrame(frame, override.reply, override.response));
      return;
    }
    await answer(ws, frame, push);
  }

  async function answer(ws: WebSocket, frame: Frame, push: ReceivedPush): Promise<void> {
    const payload = push.payload;
    if (frame.topic === 'worker:queue') {
      if (frame.event === PhoenixEvents.join) {
        queueMembers.set(ws, frame.joinRef ?? '');
        stats.queueJoins++;
        send(ws, okReply(frame));
        return;
      }
      if (frame.event === 'claim') {
        stats.claims++;
        const demand = Number(payload.demand) || 1;
        const claimed = [];
        for (const run of queue.splice(0, demand)) {
          const token = options.runsPrivateKey
            ? await signRunToken(options.runsPrivateKey, run.id, { ttlSeconds: 600 })
            : 'x.y.z';
          runs.set(run.id, { run, token });
          claimed.push({ id: run.id, token });
        }
        send(ws, okReply(frame, { runs: claimed }));
        return;
      }
      send(ws, okReply(frame));
      return;
    }
    const runId = runIdFromTopic(frame.topic);
    const entry = runId ? runs.get(runId) : undefined;
    if (!runId || !entry) {
      send(ws, unmatchedTopicReply(frame));
      return;
    }
    switch (frame.event) {
      case PhoenixEvents.join:
        if (payload.token !== entry.token) {
          send(ws, replyFrame(frame, 'error', { reason: 'unauthorized' }));
        } else {
          send(ws, okReply(frame));
        }
        return;
      case 'fetch:plan':
        send(ws, okReply(frame, entry.run.plan));
        return;
      case 'fetch:dataclip': {
        const body = Buffer.from(JSON.stringify(entry.run.dataclip ?? { data: {} }));
        if (options.mockStyle) {
          send(ws, okReply(frame, [...body]));
        } else if (ws.readyState === WebSocket.OPEN) {
          ws.send(
            encodeBinaryReply({
              joinRef: frame.joinRef,
              ref: frame.ref,
              topic: frame.topic,
              status: 'ok',
              body,
            }),
          );
        }
        return;
      }
      case 'fetch:credential': {
        const credential = entry.run.credentials?.[String(payload.id)];
        if (credential) send(ws, okReply(frame, credential));
        else send(ws, replyFrame(frame, 'error', { errors: { id: ['Credential not found!'] } }));
        return;
      }
      case 'run:complete': {
        send(ws, okReply(frame));
        if (!completions.has(runId)) {
          completions.set(runId, payload);
          for (const waiter of completionWaiters.get(runId) ?? []) waiter(payload);
          completionWaiters.delete(runId);
        }
        return;
      }
      default:
        send(ws, okReply(frame));
    }
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}/worker`,
    connectionQueries,
    pushes,
    runPushes: (runId) => pushes.filter((p) => p.topic === `run:${runId}`),
    enqueue(run, { notify = true } = {}) {
      queue.push(run);
      if (!notify) return;
      for (const [ws, joinRef] of queueMembers) {
        send(ws, pushFrame('worker:queue', 'work-available', {}, { joinRef }));
      }
    },
    waitForCompletion(runId, timeoutMs = 20_000) {
      const done = completions.get(runId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`run ${runId} did not complete within ${timeoutMs}ms`)),
          timeoutMs,
        );
        const list = completionWaiters.get(runId) ?? [];
        list.push((payload) => {
          clearTimeout(timer);
          resolve(payload);
        });
        completionWaiters.set(runId, list);
      });
    },
    waitForQueueJoin(count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          if (stats.queueJoins >= count) return resolve();
          if (Date.now() > deadline) return reject(new Error('no worker joined worker:queue'));
          setTimeout(check, 20);
        };
        check();
      });
    },
    pushToChannel(topic, event, payload = {}) {
      for (const [ws, refs] of joinRefs) {
        if (refs.has(topic)) {
          const joinRef = refs.get(topic) ?? null;
          send(ws, pushFrame(topic, event, payload, { joinRef, ref: joinRef }));
        }
      }
    },
    dropConnections() {
      for (const ws of sockets) ws.terminate();
    },
    stats,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
