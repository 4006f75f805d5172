// Single sign-on against a real OpenID Connect provider (oidc-provider), its login and consent
// pages driven over HTTP: auto-provisioning on and off, the domain allow-list, linking by verified
// email only, single-use state, a provider account disabled after its session, and password
// sign-in refused to SSO users when SSO_DISABLE_PASSWORD_LOGIN=true.
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { queryRows, schema } from '../db/index.js';
import { Browser } from '../test-support/browser.js';
import { startTestOidcProvider, type TestOidcProvider } from '../test-support/oidc-provider.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { SSO_ONLY } from './sign-in.js';
import { createUser } from './users.js';

// The test servers' public URL (URL_PORT 1): the provider redirects there, and the test hands the
// callback to the server's real address, as a browser would if the URL were routable.
const REDIRECT_URI = 'http://localhost:1/sso/callback';
const CLIENT_SECRET = randomBytes(24).toString('hex');
const PASSWORD = 'violet-Kettle-38-drums';

let provider: TestOidcProvider;
/** SSO_AUTO_PROVISION=true, SSO_ALLOWED_DOMAINS=example.org */
let open: TestServer;
/** No auto-provisioning, SSO_DISABLE_PASSWORD_LOGIN=true */
let closed: TestServer;

beforeAll(async () => {
  provider = await startTestOidcProvider({
    clients: [
      {
        client_id: 'lightning-sso',
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
  });
  const sso = {
    SSO_ISSUER: provider.issuer,
    SSO_CLIENT_ID: 'lightning-sso',
    SSO_CLIENT_SECRET: CLIENT_SECRET,
  };
  // One after the other: two servers booting at once on a busy machine overrun Fastify's plugin timeout.
  open = await startTestServer({
    ...sso,
    SSO_AUTO_PROVISION: 'true',
    SSO_ALLOWED_DOMAINS: 'example.org',
  });
  closed = await startTestServer({ ...sso, SSO_DISABLE_PASSWORD_LOGIN: 'true' });
});
afterAll(async () => {
  await Promise.all([open?.close(), closed?.close()]);
  await provider?.close();
});

/** A sign-in from the button to the landing page: where the callback sent the browser. */
async function signInWithSso(browser: Browser, login: string) {
  const start = await browser.visit('/sso/login');
  expect(start.status).toBe(303);
  const back = await provider.authorize(start.headers.get('location')!, login);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  const callback = await browser.visit(`${back.pathname}${back.search}`);
  expect(callback.status).toBe(303);
  return {
    landing: callback.headers.get('location')!,
    callbackPath: `${back.pathname}${back.search}`,
  };
}

const ssoError = (landing: string) =>
  new URL(landing, 'http://x').searchParams.get('sso_error') ?? '';

async function userCount(server: TestServer, email: string) {
  const [row] = await queryRows<{ n: number }>(
    server.database.db,
    sql`SELECT count(*)::int AS n FROM users WHERE lower(email) = lower(${email})`,
  );
  return row!.n;
}

describe('single sign-on', () => {
  it('says in /api/instance whether SSO is on', async () => {
    const browser = new Browser(open.baseUrl);
    expect((await browser.get('/api/instance')).body.data.sso).toEqual({ enabled: true });
  });

  it('creates the user at the first sign-in with auto-provisioning, and finds them again later', async () => {
    provider.accounts.set('alice', {
      email: 'Alice@example.org',
      givenName: 'Alice',
      familyName: 'Liddell',
    });
    const browser = new Browser(open.baseUrl);
    const { landing } = await signInWithSso(browser, 'alice');
    expect(landing).toBe('/');
    const me = await browser.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({
      email: 'Alice@example.org',
      first_name: 'Alice',
      last_name: 'Liddell',
      confirmed: true,
    });
    const [user] = await open.database.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.id, me.body.data.id));
    expect(user!.hashedPassword).toBeNull();

    const again = new Browser(open.baseUrl);
    expect((await signInWithSso(again, 'alice')).landing).toBe('/');
    expect((await again.get('/api/me')).body.data.id).toBe(me.body.data.id);
    expect(await userCount(open, 'alice@example.org')).toBe(1);
  });

  it('refuses accounts outside SSO_ALLOWED_DOMAINS and creates nobody', async () => {
    provider.accounts.set('mallory', { email: 'mallory@elsewhere.com' });
    const browser = new Browser(open.baseUrl);
    const { landing } = await signInWithSso(browser, 'mallory');
    expect(landing).toMatch(/^\/sign-in\?sso_error=/);
    expect(ssoError(landing)).toContain('elsewhere.com may not sign in');
    expect((await browser.get('/api/me')).status).toBe(401);
    expect(await userCount(open, 'mallory@elsewhere.com')).toBe(0);
  });

  it('does not match or create a user from an email the provider has not verified', async () => {
    provider.accounts.set('unverified', { email: 'eve@example.org', emailVerified: false });
    const browser = new Browser(open.baseUrl);
    const { landing } = await signInWithSso(browser, 'unverified');
    expect(ssoError(landing)).toContain('not verified your email');
    expect(await userCount(open, 'eve@example.org')).toBe(0);
  });

  it('uses each authorization once: a replayed or forged callback signs nobody in', async () => {
    provider.accounts.set('carol', { email: 'carol@example.org' });
    const first = new Browser(open.baseUrl);
    const { callbackPath } = await signInWithSso(first, 'carol');
    const replay = new Browser(open.baseUrl);
    const replayed = await replay.visit(callbackPath);
    expect(ssoError(replayed.headers.get('location')!)).toContain('expired or was already used');
    const forged = await replay.visit('/sso/callback?code=abc&state=made-up');
    expect(ssoError(forged.headers.get('location')!)).toContain('expired or was already used');
    expect((await replay.get('/api/me')).status).toBe(401);
  });

  it('keeps out a user whose provider account was disabled once their session ends', async () => {
    provider.accounts.set('dave', { email: 'dave@example.org' });
    const browser = new Browser(open.baseUrl);
    expect((await signInWithSso(browser, 'dave')).landing).toBe('/');
    provider.accounts.get('dave')!.disabled = true;
    expect((await browser.delete('/api/session')).status).toBe(204);
    expect((await browser.get('/api/me')).status).toBe(401);
    // A new sign-in: the provider's login page refuses the account, so no code comes back.
    const start = await browser.visit('/sso/login');
    await expect(provider.authorize(start.headers.get('location')!, 'dave')).rejects.toThrow(
      /answered 403/,
    );
    expect((await browser.get('/api/me')).status).toBe(401);
  });

  it('refuses a code whose account the provider disabled before the exchange', async () => {
    provider.accounts.set('erin', { email: 'erin@example.org' });
    const browser = new Browser(open.baseUrl);
    const start = await browser.visit('/sso/login');
    const back = await provider.authorize(start.headers.get('location')!, 'erin');
    provider.accounts.get('erin')!.disabled = true;
    const callback = await browser.visit(`${back.pathname}${back.search}`);
    expect(ssoError(callback.headers.get('location')!)).toContain('did not confirm your account');
    expect((await browser.get('/api/me')).status).toBe(401);
  });

  describe('without auto-provisioning, password sign-in disabled for SSO users', () => {
    it('links an existing user by verified email, refuses unknown ones', async () => {
      await createUser(closed.database.db, {
        first_name: 'Frank',
        email: 'frank@example.org',
        password: PASSWORD,
      });
      provider.accounts.set('frank', { email: 'frank@example.org' });
      provider.accounts.set('grace', { email: 'grace@example.org' });
      const browser = new Browser(closed.baseUrl);
      expect((await signInWithSso(browser, 'frank')).landing).toBe('/');
      expect((await browser.get('/api/me')).body.data.email).toBe('frank@example.org');

      const stranger = new Browser(closed.baseUrl);
      const { landing } = await signInWithSso(stranger, 'grace');
      expect(ssoError(landing)).toContain('no Lightning account for grace@example.org');
      expect(await userCount(closed, 'grace@example.org')).toBe(0);
    });

    it('refuses the password of a user who signs in with SSO, not of others', async () => {
      const frank = await new Browser(closed.baseUrl).post('/api/session', {
        email: 'frank@example.org',
        password: PASSWORD,
      });
      expect(frank.status).toBe(403);
      expect(frank.body.error).toBe(SSO_ONLY);
      // A wrong password still gets the ordinary answer: the SSO rule is told only after the right one.
      const wrong = await new Browser(closed.baseUrl).post('/api/session', {
        email: 'frank@example.org',
        password: 'not-the-password-1',
      });
      expect(wrong.status).toBe(401);
      await createUser(closed.database.db, {
        first_name: 'Heidi',
        email: 'heidi@example.org',
        password: PASSWORD,
      });
      const heidi = await new Browser(closed.baseUrl).post('/api/session', {
        email: 'heidi@example.org',
        password: PASSWORD,
      });
      expect(heidi.status).toBe(200);
    });
  });
});
