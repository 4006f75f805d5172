// A user connects their GitHub account through the GitHub App's OAuth web flow, over real HTTP to
// a real server and the GitHub stand-in: the state is checked, the tokens are kept only as vault
// ciphertext, an expiring token is refreshed, and disconnecting revokes the grant at GitHub.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { type GitHubStandIn, startGitHubStandIn } from '../test-support/github-stand-in.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let github: GitHubStandIn;
let server: TestServer;
let user: TestUser;
let installationId: number;

beforeAll(async () => {
  github = await startGitHubStandIn();
  installationId = github.addInstallation({
    account: 'acme',
    users: ['octo-admin'],
    repositories: [{ name: 'openfn-project' }],
  }).id;
  server = await startTestServer(github.env);
  github.callbackUrl = `${server.baseUrl}/oauth/github/callback`;
  user = await createTestUser(server.database.db);
});

afterAll(async () => {
  await server?.close();
  await github?.close();
});

const call = (path: string, init: RequestInit = {}, who: TestUser = user) =>
  fetch(`${server.baseUrl}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { ...who.headers, ...(init.headers as Record<string, string>) },
  });

/** Walks the web flow as a browser would: Lightning → GitHub (approve) → Lightning's callback. */
async function connect(returnTo = '/projects', tamper?: (callback: URL) => void): Promise<URL> {
  const start = await call(`/oauth/github/authorize?return_to=${encodeURIComponent(returnTo)}`);
  expect(start.status).toBe(302);
  const cookie = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin + authorize.pathname).toBe(`${github.url}/login/oauth/authorize`);
  expect(authorize.searchParams.get('client_id')).toBe(github.clientId);
  const approved = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(approved.headers.get('location')!);
  expect(callback.pathname).toBe('/oauth/github/callback');
  tamper?.(callback);
  const done = await call(`${callback.pathname}${callback.search}`, { headers: { cookie } });
  expect(done.status).toBe(302);
  return new URL(done.headers.get('location')!, server.baseUrl);
}

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
const json = async (response: Response): Promise<any> => response.json();

const storedToken = async () =>
  (
    await server.database.db
      .select({ token: schema.users.githubOauthToken })
      .from(schema.users)
      .where(eq(schema.users.id, user.id))
  )[0]!.token;

describe('connecting a GitHub account', () => {
  it('refuses a callback whose state is not the one this browser started with', async () => {
    const landed = await connect('/account', (callback) =>
      callback.searchParams.set('state', 'forged'),
    );
    expect(landed.pathname).toBe('/account');
    expect(landed.searchParams.get('github_error')).toMatch(/state mismatch/);
    expect(await storedToken()).toBeNull();
  });

  it('stores the tokens encrypted and returns to the page that started it', async () => {
    const landed = await connect('/projects/x/settings/github');
    expect(landed.pathname).toBe('/projects/x/settings/github');
    expect(landed.searchParams.get('github_connected')).toBe('octo-admin');

    const status = await json(await call('/api/github'));
    expect(status.data).toEqual({
      enabled: true,
      app_name: github.appName,
      install_url: `${github.url}/apps/${github.appName}/installations/new`,
      user: { connected: true, login: 'octo-admin' },
    });
    // Only ciphertext in the database: no token of GitHub's in the stored bytes.
    const stored = Buffer.from((await storedToken())!);
    for (const token of github.validUserTokens()) {
      expect(stored.includes(Buffer.from(token))).toBe(false);
    }
    expect(stored.includes(Buffer.from('ghr_'))).toBe(false);

    const installations = await call('/api/github/installations');
    expect(installations.status).toBe(200);
    expect((await json(installations)).data).toEqual([
      { id: installationId, account: 'acme', type: 'Organization' },
    ]);
  });

  it('refreshes an expired user token before using it', async () => {
    github.userTokenLifetimeSeconds = 60; // inside Lightning's refresh margin: expired at once
    const earlier = github.validUserTokens();
    await connect();
    const [first] = github.validUserTokens().filter((token) => !earlier.includes(token));
    github.userTokenLifetimeSeconds = 28_800;
    const exchanges = () =>
      github.requests.filter((r) => r === 'POST /login/oauth/access_token').length;
    const before = exchanges();
    const installations = await call('/api/github/installations');
    expect(installations.status).toBe(200);
    // GitHub invalidates the old token on refresh; the new one is what Lightning now holds.
    const valid = github.validUserTokens();
    expect(first).toBeDefined();
    expect(valid).not.toContain(first);
    expect(valid.filter((token) => !earlier.includes(token))).toHaveLength(1);
    expect(exchanges()).toBe(before + 1);
  });

  it('shows GitHub’s own message when GitHub fails', async () => {
    github.failNext({
      path: /^\/user\/installations$/,
      status: 503,
      message: 'Service Unavailable: GitHub is having a bad day',
    });
    const failed = await call('/api/github/installations');
    expect(failed.status).toBe(502);
    const body = await json(failed);
    expect(body.github).toMatchObject({
      status: 503,
      message: 'Service Unavailable: GitHub is having a bad day',
    });
    expect(body.error).toContain('GitHub is having a bad day');
  });

  it('disconnects: the grant is revoked at GitHub and the tokens deleted', async () => {
    const response = await call('/api/github/user', { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(github.revokedGrants).toHaveLength(1);
    expect(github.validUserTokens()).toEqual([]);
    expect(await storedToken()).toBeNull();
    expect((await json(await call('/api/github'))).data.user).toEqual({
      connected: false,
      login: null,
    });
    const installations = await call('/api/github/installations');
    expect(installations.status).toBe(409);
    expect((await json(installations)).error).toMatch(/Connect your GitHub account/);
  });

  it('brings the browser back to the project after installing the app (/setup_vcs)', async () => {
    const projectId = '0b9d1c1e-8a57-4a53-9c55-0f1f3b0b7f11';
    const response = await call(
      `/setup_vcs?installation_id=42&setup_action=install&state=${projectId}`,
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(
      `/projects/${projectId}/settings/github?installation_id=42`,
    );
  });
});

describe('configuration', () => {
  it('refuses to start with the app configured but no REPO_CONNECTION_SIGNING_SECRET', () => {
    const { REPO_CONNECTION_SIGNING_SECRET: _omitted, ...rest } = github.env;
    expect(() => loadConfig(rest)).toThrow(/REPO_CONNECTION_SIGNING_SECRET is required/);
  });

  it('refuses TEST_GITHUB_API_URL in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', TEST_GITHUB_API_URL: github.url })).toThrow(
      /TEST_GITHUB_API_URL is for tests only/,
    );
  });

  it('is off unless GITHUB_APP_ID, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_CERT are all set', async () => {
    const { GITHUB_CERT: _cert, ...partial } = github.env;
    const loaded = loadConfig(partial);
    expect(loaded.config.github.enabled).toBe(false);
    expect(loaded.warnings.join('\n')).toMatch(/GITHUB_CERT is not set/);
    const off = await startTestServer(partial);
    try {
      const status = await fetch(`${off.baseUrl}/api/github`, { headers: user.headers });
      expect(status.status).toBe(401); // another database: this user does not exist there
      expect((await fetch(`${off.baseUrl}/oauth/github/callback?code=x`)).status).toBe(404);
      expect((await fetch(`${off.baseUrl}/setup_vcs`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
