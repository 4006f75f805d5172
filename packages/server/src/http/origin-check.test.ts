// ORIGINS over real HTTP: a request that could act with the browser's session is refused (403)
// unless its Origin is allowed, nothing is written when it is refused, and bearer tokens, webhooks
// and non-browser clients are not affected. The live socket's upgrade follows the same list.
import WebSocket from 'ws';
import { Browser } from '../test-support/browser.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const PASSWORD = 'correct-Horse-battery-9';

/** A signed-in browser session on `server` (the first user, so a superuser) and its cookie header. */
async function signIn(server: TestServer): Promise<{ browser: Browser; cookie: string }> {
  const browser = new Browser(server.baseUrl);
  const registered = await browser.post('/api/users/register', {
    first_name: 'Root',
    email: 'root@example.com',
    password: PASSWORD,
  });
  expect(registered.status).toBe(201);
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return { browser, cookie };
}

function post(server: TestServer, path: string, headers: Record<string, string>, body: unknown) {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function tokenNames(browser: Browser): Promise<string[]> {
  const listed = await browser.get('/api/tokens');
  expect(listed.status).toBe(200);
  return (listed.body.data as Array<{ name: string }>).map((token) => token.name);
}

/** Opens the live socket; resolves with the upgrade's status (101 when it opened). */
function liveUpgrade(server: TestServer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/api/live`, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    socket.once('error', reject);
  });
}

describe('ORIGINS unset: this instance only', () => {
  let server: TestServer;
  let browser: Browser;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer({
      URL_SCHEME: 'https',
      URL_HOST: 'lightning.example.org',
      URL_PORT: '443',
    });
    ({ browser, cookie } = await signIn(server));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a cookie-authenticated POST from another site with 403 and creates nothing', async () => {
    const response = await post(
      server,
      '/api/tokens',
      { cookie, origin: 'https://evil.example' },
      { name: 'stolen' },
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error:
        'Requests from https://evil.example may not use a session here: the origin is not in ORIGINS',
    });
    expect(await tokenNames(browser)).not.toContain('stolen');
  });

  it('refuses DELETE from another site, an opaque origin, and a cross-site request without Origin', async () => {
    const deleted = await fetch(`${server.baseUrl}/api/session`, {
      method: 'DELETE',
      headers: { cookie, origin: 'http://lightning.example.org.evil.example' },
    });
    expect(deleted.status).toBe(403);
    const opaque = await post(server, '/api/tokens', { cookie, origin: 'null' }, { name: 'x' });
    expect(opaque.status).toBe(403);
    const noOrigin = await post(
      server,
      '/api/tokens',
      { cookie, 'sec-fetch-site': 'cross-site' },
      { name: 'x' },
    );
    expect(noOrigin.status).toBe(403);
    expect(await tokenNames(browser)).not.toContain('x');
  });

  it('accepts the address the request was sent to, the public URL, and clients that send no Origin', async () => {
    const sameHost = await post(
      server,
      '/api/tokens',
      { cookie, origin: server.baseUrl },
      { name: 'from-the-app' },
    );
    expect(sameHost.status).toBe(201);
    const publicUrl = await post(
      server,
      '/api/tokens',
      { cookie, origin: 'https://lightning.example.org' },
      { name: 'from-the-public-url' },
    );
    expect(publicUrl.status).toBe(201);
    const curl = await post(server, '/api/tokens', { cookie }, { name: 'from-curl' });
    expect(curl.status).toBe(201);
    expect(await tokenNames(browser)).toEqual(
      expect.arrayContaining(['from-the-app', 'from-the-public-url', 'from-curl']),
    );
  });

  it('lets bearer-token calls through from any origin', async () => {
    const created = await post(
      server,
      '/api/tokens',
      { cookie, origin: server.baseUrl },
      { name: 'for-scripts' },
    );
    const { data } = (await created.json()) as { data: { token: string } };
    const response = await post(
      server,
      '/api/tokens',
      { authorization: `Bearer ${data.token}`, origin: 'https://evil.example' },
      { name: 'by-bearer' },
    );
    expect(response.status).toBe(201);
  });

  it('refuses signing in from another site (login CSRF), and leaves webhooks alone', async () => {
    const signInElsewhere = await post(
      server,
      '/api/session',
      { origin: 'https://evil.example' },
      { email: 'root@example.com', password: PASSWORD },
    );
    expect(signInElsewhere.status).toBe(403);
    expect(signInElsewhere.headers.get('set-cookie')).toBeNull();
    const webhook = await post(
      server,
      '/i/no-such-trigger',
      { origin: 'https://evil.example' },
      {},
    );
    expect(webhook.status).toBe(404);
  });

  it('refuses the live socket with the session from another site, accepts it from the app', async () => {
    expect(await liveUpgrade(server, { cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await liveUpgrade(server, { cookie, origin: server.baseUrl })).toBe(101);
  });
});

describe('ORIGINS set: exactly the listed origins', () => {
  let server: TestServer;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer({ ORIGINS: 'https://app.example.org, //*.trusted.example' });
    ({ cookie } = await signIn(server));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('accepts listed origins (exact, or any subdomain of a //*. entry)', async () => {
    for (const [index, origin] of [
      'https://app.example.org',
      'http://ops.trusted.example:8080',
    ].entries()) {
      const response = await post(
        server,
        '/api/tokens',
        { cookie, origin },
        { name: `listed-${index}` },
      );
      expect(response.status, origin).toBe(201);
    }
  });

  it('refuses everything else, the server’s own address included', async () => {
    for (const origin of [
      server.baseUrl,
      'http://app.example.org',
      'https://trusted.example.evil.example',
      'https://evil.example',
    ]) {
      const response = await post(server, '/api/tokens', { cookie, origin }, { name: 'x' });
      expect(response.status, origin).toBe(403);
    }
  });

  it('applies the same list to the live socket', async () => {
    expect(await liveUpgrade(server, { cookie, origin: 'https://app.example.org' })).toBe(101);
    expect(await liveUpgrade(server, { cookie, origin: server.baseUrl })).toBe(403);
  });
});
