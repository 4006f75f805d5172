// IDLE_TIMEOUT over a real socket: a connection on which nothing arrives is closed by the server,
// also when it stopped in the middle of a request, as Lightning's Cowboy `idle_timeout` does.
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ IDLE_TIMEOUT: '1' });
});
afterAll(async () => {
  await server?.close();
});

/** Opens a TCP connection, writes `first` (maybe nothing) and resolves when the server closes it. */
function silentConnection(first: string): Promise<{ elapsedMs: number; received: string }> {
  const { hostname, port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    let openedAt = 0;
    socket.on('connect', () => {
      openedAt = Date.now();
      if (first) socket.write(first);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    socket.on('close', () => resolve({ elapsedMs: Date.now() - openedAt, received }));
    socket.on('error', reject);
  });
}

describe('IDLE_TIMEOUT', () => {
  it('closes a connection that never sends anything', async () => {
    const { elapsedMs, received } = await silentConnection('');
    // Closed by the timeout, not refused at once.
    expect(elapsedMs).toBeGreaterThanOrEqual(900);
    expect(received).toBe('');
  });

  it('closes a connection that goes silent in the middle of a request', async () => {
    const { elapsedMs } = await silentConnection(
      'POST /api/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":',
    );
    expect(elapsedMs).toBeGreaterThanOrEqual(900);
  });

  it('keeps a kept-alive connection no longer than IDLE_TIMEOUT after its answer', async () => {
    const { elapsedMs, received } = await silentConnection(
      'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n',
    );
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(elapsedMs).toBeGreaterThanOrEqual(900);
  });
});
