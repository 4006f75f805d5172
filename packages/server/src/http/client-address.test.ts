// TRUSTED_PROXIES over real HTTP: behind a trusted reverse proxy the rate limits count each client
// named in X-Forwarded-For on its own; from anyone else the header is ignored, so clients can
// neither spread their attempts over made-up addresses nor be lumped together by accident.
import { startTestServer, type TestServer } from '../test-support/server.js';

/** `/api/password_reset` allows 5 requests a minute per client address and email. */
const LIMIT = 5;

function resetFrom(server: TestServer, forwardedFor: string, email: string) {
  return fetch(`${server.baseUrl}/api/password_reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ email }),
  });
}

async function statuses(server: TestServer, forwardedFor: string, email: string, count: number) {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await resetFrom(server, forwardedFor, email)).status);
  return seen;
}

describe('TRUSTED_PROXIES=loopback (the test talks through 127.0.0.1, like a local proxy)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TRUSTED_PROXIES: 'loopback' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('limits each forwarded client on its own', async () => {
    const email = 'proxied@example.com';
    expect(await statuses(server, '203.0.113.1', email, LIMIT + 1)).toEqual([
      ...Array(LIMIT).fill(202),
      429,
    ]);
    // Another client behind the same proxy is not affected by the first one's attempts.
    expect(await statuses(server, '203.0.113.2', email, 1)).toEqual([202]);
    // The client is the right-most untrusted address: a spoofed left part changes nothing.
    expect(await statuses(server, '198.51.100.9, 203.0.113.1', email, 1)).toEqual([429]);
  });
});

describe('TRUSTED_PROXIES unset', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('ignores X-Forwarded-For: made-up addresses do not buy more attempts', async () => {
    const email = 'direct@example.com';
    const seen: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      seen.push((await resetFrom(server, `203.0.113.${i + 10}`, email)).status);
    }
    expect(seen).toEqual([...Array(LIMIT).fill(202), 429]);
  });
});
