// A scripted Phoenix v2 client over a real `ws` WebSocket, for the socket tests: push and await
// the reply by ref, read binary replies, collect server pushes.
import {
  decodeBinaryReply,
  decodeFrame,
  encodeFrame,
  type Frame,
  readReplyPayload,
  signWorkerToken,
  workerSocketUrl,
} from '@lightning/protocol';
import WebSocket from 'ws';

export interface Reply {
  status: 'ok' | 'error';
  response: unknown;
  /** True when the reply came as a binary frame (its response is the body bytes). */
  binary: boolean;
}

export class TestWorker {
  private ref = 0;
  private readonly waiting = new Map<string, (reply: Reply) => void>();
  readonly pushes: Frame[] = [];
  private readonly pushWaiters: Array<(frame: Frame) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
  }

  /** Opens the worker socket of a server (`http://127.0.0.1:port`) with a token signed by `secret`. */
  static async connect(baseUrl: string, secret: string, workerId = 'test-worker') {
    const token = await signWorkerToken(secret, workerId);
    return TestWorker.open(socketUrl(baseUrl, token));
  }

  static open(url: string): Promise<TestWorker> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new TestWorker(socket)));
      socket.once('unexpected-response', (_request, response) => {
        reject(new UpgradeRefused(response.statusCode ?? 0));
      });
      socket.once('error', reject);
    });
  }

  /** Pushes an event and resolves with its reply. */
  push(
    topic: string,
    event: string,
    payload: unknown,
    joinRef: string | null = '1',
  ): Promise<Reply> {
    const ref = String(++this.ref);
    this.send({ joinRef, ref, topic, event, payload });
    return new Promise((resolve) => this.waiting.set(ref, resolve));
  }

  /** Sends `text` as it is (it must carry `ref`) and resolves with the reply to `ref`. */
  sendRaw(text: string, ref: string): Promise<Reply> {
    this.socket.send(text);
    return new Promise((resolve) => this.waiting.set(ref, resolve));
  }

  join(topic: string, payload: unknown = {}): Promise<Reply> {
    return this.push(topic, 'phx_join', payload);
  }

  send(frame: Frame): void {
    this.socket.send(encodeFrame(frame));
  }

  /** The next server push (a frame that is not a reply) with this event. */
  nextPush(event: string, timeoutMs = 3000): Promise<Frame> {
    const index = this.pushes.findIndex((frame) => frame.event === event);
    if (index >= 0) return Promise.resolve(this.pushes.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} push`)), timeoutMs);
      this.pushWaiters.push((frame) => {
        if (frame.event !== event) return;
        clearTimeout(timer);
        this.pushes.splice(this.pushes.indexOf(frame), 1);
        resolve(frame);
      });
    });
  }

  close(): void {
    this.socket.close();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      const reply = decodeBinaryReply(data);
      if (!reply.ok || !reply.value.ref) return;
      this.resolve(reply.value.ref, {
        status: reply.value.status,
        response: Buffer.from(reply.value.body),
        binary: true,
      });
      return;
    }
    const decoded = decodeFrame(data);
    if (!decoded.ok) return;
    const frame = decoded.value;
    if (frame.event === 'phx_reply' && frame.ref) {
      const payload = readReplyPayload(frame.payload);
      if (payload) this.resolve(frame.ref, { ...payload, binary: false });
      return;
    }
    this.pushes.push(frame);
    for (const waiter of [...this.pushWaiters]) waiter(frame);
  }

  private resolve(ref: string, reply: Reply): void {
    const resolve = this.waiting.get(ref);
    this.waiting.delete(ref);
    resolve?.(reply);
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly statusCode: number) {
    super(`upgrade refused with HTTP ${statusCode}`);
  }
}

export function socketUrl(baseUrl: string, token: string): string {
  return workerSocketUrl(`${baseUrl.replace(/^http/, 'ws')}/worker`, {
    token,
    workerVersion: 'test',
  });
}
