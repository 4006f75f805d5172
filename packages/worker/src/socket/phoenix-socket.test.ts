import { signWorkerToken, workerSocketUrl } from '@lightning/protocol';
import { silentLogger, type WorkerLogger } from '../logger.js';
import { type FakeLightning, startFakeLightning } from '../testing/fake-lightning.js';
import { type LoggedLine, recordingLogger } from '../testing/recording-logger.js';
import { DisconnectedError, JoinRefusedError } from './errors.js';
import { PhoenixSocket, type PhoenixSocketOptions } from './phoenix-socket.js';

const secret = 'test-secret-for-the-socket';
let server: FakeLightning;
const sockets: PhoenixSocket[] = [];

beforeEach(async () => {
  server = await startFakeLightning({ secret });
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.disconnect()));
  await server.close();
});

function connect(
  options: Partial<PhoenixSocketOptions> & { secret?: string; logger?: WorkerLogger } = {},
): PhoenixSocket {
  const socket = new PhoenixSocket({
    url: async () =>
      workerSocketUrl(server.url, {
        token: await signWorkerToken(options.secret ?? secret, 'w-1'),
        workerVersion: '1.2.3',
      }),
    logger: silentLogger,
    reconnectDelayMs: () => 20,
    ...options,
  });
  sockets.push(socket);
  socket.connect();
  return socket;
}

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('worker socket', () => {
  it('connects with a signed token and the protocol versions in the query', async () => {
    const socket = connect();
    await until(() => socket.isConnected);
    const query = server.connectionQueries[0]!;
    expect(query.get('api_version')).toBe('1.2');
    expect(query.get('worker_version')).toBe('1.2.3');
    expect(query.get('vsn')).toBe('2.0.0');
    expect(query.get('token')).toMatch(/^ey/);
  });

  it('is refused with a wrong WORKER_SECRET, logs why, and keeps trying', async () => {
    const lines: LoggedLine[] = [];
    const socket = connect({ secret: 'not-the-secret', logger: recordingLogger(lines) });
    await until(() => server.stats.refused >= 2);
    expect(socket.isConnected).toBe(false);
    expect(server.stats.connections).toBe(0);
    expect(lines.some((l) => l.level === 'error' && /WORKER_SECRET/.test(l.message))).toBe(true);
  });

  it('joins a channel, pushes and reads the reply; joins are refused with a reason', async () => {
    const socket = connect();
    const queue = socket.channel('worker:queue', { params: () => ({ capacity: 1 }) });
    await queue.join(2000);
    const reply = await queue.push('claim', { demand: 1, worker_name: null, queues: ['*'] });
    expect(reply).toEqual({ status: 'ok', response: { runs: [] } });

    const run = socket.channel('run:unknown', { params: () => ({ token: 'x' }) });
    await expect(run.join(2000)).rejects.toBeInstanceOf(JoinRefusedError);
    await expect(run.push('fetch:plan', {})).rejects.toBeInstanceOf(DisconnectedError);
  });

  it('reads binary replies (fetch:dataclip) as bytes', async () => {
    server.enqueue({ id: 'r1', plan: {}, dataclip: { data: { n: 1 } } });
    const socket = connect();
    const queue = socket.channel('worker:queue', { params: () => ({}) });
    await queue.join(2000);
    const claim = await queue.push('claim', { demand: 1 });
    const { token } = (claim.response as { runs: { token: string }[] }).runs[0]!;
    const run = socket.channel('run:r1', { params: () => ({ token }) });
    await run.join(2000);
    const reply = await run.push('fetch:dataclip', { id: 'd1' });
    expect(reply.status).toBe('ok');
    expect(reply.response).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(Buffer.from(reply.response as Uint8Array).toString())).toEqual({
      data: { n: 1 },
    });
  });

  it('sends heartbeats, and reconnects when one goes unanswered', async () => {
    const socket = connect({ heartbeatIntervalMs: 30 });
    await until(() => server.stats.heartbeats >= 3);
    expect(server.stats.connections).toBe(1);
    await socket.disconnect();

    const wedged = await startFakeLightning({ secret, answerHeartbeats: false });
    try {
      const other = new PhoenixSocket({
        url: async () =>
          workerSocketUrl(wedged.url, {
            token: await signWorkerToken(secret, 'w'),
            workerVersion: '1',
          }),
        logger: silentLogger,
        heartbeatIntervalMs: 30,
        reconnectDelayMs: () => 10,
      });
      sockets.push(other);
      other.connect();
      await until(() => wedged.stats.connections >= 2);
    } finally {
      await Promise.all(sockets.splice(0).map((s) => s.disconnect()));
      await wedged.close();
    }
  });

  it('reconnects after the server drops it and rejoins its channels', async () => {
    const socket = connect();
    const queue = socket.channel('worker:queue', { params: () => ({ capacity: 1 }) });
    let joins = 0;
    queue.onJoined(() => joins++);
    await queue.join(2000);
    const pending = queue.push('claim', { demand: 1 }, 5000);
    server.dropConnections();
    await expect(pending).rejects.toBeInstanceOf(DisconnectedError);
    await until(() => joins === 2);
    expect(server.stats.connections).toBe(2);
    await expect(queue.push('claim', { demand: 1 })).resolves.toMatchObject({ status: 'ok' });
  });
});

describe('channel lifecycle pushed by the server', () => {
  it('joins again after phx_error, and stops for good after phx_close', async () => {
    const socket = connect();
    const queue = socket.channel('worker:queue', {
      params: () => ({ capacity: 1 }),
      rejoinDelayMs: 20,
    });
    let joins = 0;
    queue.onJoined(() => joins++);
    await queue.join(2000);

    server.pushToChannel('worker:queue', 'phx_error');
    await until(() => joins === 2);
    expect(server.stats.queueJoins).toBe(2);

    server.pushToChannel('worker:queue', 'phx_close');
    await until(() => !queue.isJoined);
    await expect(queue.whenJoined()).rejects.toThrow(/closed/);
    await expect(queue.push('claim', { demand: 1 })).rejects.toBeInstanceOf(DisconnectedError);
  });

  it('delivers server pushes such as work-available to listeners', async () => {
    const socket = connect();
    const queue = socket.channel('worker:queue', { params: () => ({}) });
    const received: unknown[] = [];
    queue.on('work-available', (payload) => received.push(payload));
    await queue.join(2000);
    server.pushToChannel('worker:queue', 'work-available', {});
    await until(() => received.length === 1);
  });
});
