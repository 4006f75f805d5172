// OAuth credentials against a real OAuth 2.0 server (oidc-provider) standing in for Google,
// Salesforce and a registered generic provider, its consent pages driven over HTTP: creation
// through /authenticate/callback, tokens only as vault ciphertext, refresh before delivery (ten
// concurrent runs, one refresh), a revoked grant (run refused naming the credential, UI state,
// mail to the owner), reauthorisation, revocation, and single-use callbacks.
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { createMailer } from '../notifications/index.js';
import { RunEventError } from '../runs/index.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestOidcProvider, type TestOidcProvider } from '../test-support/oidc-provider.js';
import { findPlaintextSecrets } from '../test-support/secret-scan.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { deliverRunCredential } from './delivery.js';
import type { TokenSet } from './oauth-credentials.js';
import { toBytes } from './run-credentials.js';
import { MASK } from './sensitive.js';

const REDIRECT_URI = 'http://localhost:1/authenticate/callback';
const SECRETS = {
  google: randomBytes(16).toString('hex'),
  salesforce: randomBytes(16).toString('hex'),
  generic: randomBytes(16).toString('hex'),
};
const INSTANCE_URL = 'https://acme.my.salesforce.example';

let provider: TestOidcProvider;
let server: TestServer;
let db: Database;
let owner: TestUser;
let superuser: TestUser;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
type Json = any;

const client = (id: keyof typeof SECRETS) => ({
  client_id: `${id}-client`,
  client_secret: SECRETS[id],
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code' as const],
});

beforeAll(async () => {
  provider = await startTestOidcProvider({
    clients: [client('google'), client('salesforce'), client('generic')],
    tokenResponseExtras: { instance_url: INSTANCE_URL },
  });
  provider.accounts.set('owner', { email: 'owner@example.org' });
  server = await startTestServer({
    GOOGLE_CLIENT_ID: 'google-client',
    GOOGLE_CLIENT_SECRET: SECRETS.google,
    GOOGLE_OAUTH_ISSUER: provider.issuer,
    SALESFORCE_CLIENT_ID: 'salesforce-client',
    SALESFORCE_CLIENT_SECRET: SECRETS.salesforce,
    SALESFORCE_OAUTH_ISSUER: provider.issuer,
    OAUTH_REFRESH_MARGIN_SECONDS: '300',
  });
  db = server.database.db;
  owner = await createTestUser(db);
  superuser = await createTestUser(db, { superuser: true });
});
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

async function api(user: TestUser, method: string, path: string, json?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      ...user.headers,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
}

/** Opens the authorization URL as the user, consents at the provider, follows the callback. */
async function consent(user: TestUser, authorizationUrl: string) {
  const back = await provider.authorize(authorizationUrl, 'owner');
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  const path = `${back.pathname}${back.search}`;
  const callback = await fetch(`${server.baseUrl}${path}`, {
    headers: user.headers,
    redirect: 'manual',
  });
  expect(callback.status).toBe(303);
  return { landing: new URL(callback.headers.get('location')!, 'http://app'), path };
}

async function createOAuthCredential(body: Record<string, unknown>): Promise<string> {
  const start = await api(owner, 'POST', '/api/credentials/oauth', body);
  expect(start.status).toBe(200);
  const { landing } = await consent(owner, start.body.data.authorization_url);
  expect(decodeURIComponent(landing.search)).toContain('oauth=authorized');
  return landing.searchParams.get('credential_id')!;
}

async function storedTokens(id: string): Promise<TokenSet> {
  const [row] = await db
    .select({ body: schema.credentials.body })
    .from(schema.credentials)
    .where(eq(schema.credentials.id, id));
  return server.vault.decryptJson<TokenSet>(toBytes(row!.body));
}

/** Moves the saved access token's expiry to `seconds` from now (as if time had passed). */
async function expireIn(id: string, seconds: number) {
  const tokens = await storedTokens(id);
  tokens.expires_at = new Date(Date.now() + seconds * 1000).toISOString();
  await db
    .update(schema.credentials)
    .set({ body: server.vault.encryptJson(tokens) })
    .where(eq(schema.credentials.id, id));
}

/** `count` claimed runs of a workflow whose first job uses the credential. */
async function claimedRunsUsing(credentialId: string, count: number): Promise<string[]> {
  const fixture = await createWorkflowFixture(db, { credentialBody: {}, vault: server.vault });
  await db
    .update(schema.projectCredentials)
    .set({ credentialId })
    .where(eq(schema.projectCredentials.credentialId, fixture.credentialId!));
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const { runId } = await enqueueRun(db, fixture);
    await db.update(schema.runs).set({ state: 'claimed' }).where(eq(schema.runs.id, runId));
    runIds.push(runId);
  }
  return runIds;
}

const deliveryDeps = () => ({
  config: server.config,
  mailer: createMailer({ config: server.config, db, logger: silentLogger }),
  logger: silentLogger,
});
// biome-ignore lint/suspicious/noExplicitAny: a pino-shaped logger that drops everything
const silentLogger: any = new Proxy({}, { get: () => () => undefined });

const deliver = (runId: string, credentialId: string) =>
  deliverRunCredential(db, server.vault, runId, credentialId, deliveryDeps());

describe('OAuth credentials', () => {
  let googleId: string;

  it('creates a Google credential through the consent screen, tokens kept in the vault only', async () => {
    googleId = await createOAuthCredential({ name: 'Sheets', provider: 'google' });
    const tokens = await storedTokens(googleId);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(Date.parse(tokens.expires_at!)).toBeGreaterThan(Date.now());
    expect(tokens.scope).toContain('https://www.googleapis.com/auth/spreadsheets');
    expect(tokens.instance_url).toBeUndefined();

    const read = await api(owner, 'GET', `/api/credentials/${googleId}`);
    expect(read.body.data).toMatchObject({
      name: 'Sheets',
      schema: 'googlesheets',
      oauth: { provider: 'google', status: 'authorized', error: null },
    });
    expect(read.body.data.body.access_token).toBe(MASK);
    expect(read.body.data.body.refresh_token).toBe(MASK);

    const scan = await findPlaintextSecrets(
      db,
      ['credentials', 'audit_events', 'oauth_authorizations', 'oauth_clients'],
      [tokens.access_token, tokens.refresh_token!, ...Object.values(SECRETS)],
    );
    expect(scan.valuesScanned).toBeGreaterThan(0);
    expect(scan.hits).toEqual([]);
  });

  it('keeps the instance URL of a Salesforce token set', async () => {
    const id = await createOAuthCredential({ name: 'Salesforce', provider: 'salesforce' });
    const tokens = await storedTokens(id);
    expect(tokens.instance_url).toBe(INSTANCE_URL);
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['api', 'refresh_token']));
  });

  it('binds a credential to a registered generic OAuth client', async () => {
    const registered = await api(superuser, 'POST', '/api/oauth_clients', {
      name: 'Generic provider',
      authorization_endpoint: `${provider.issuer}/auth`,
      token_endpoint: `${provider.issuer}/token`,
      revocation_endpoint: `${provider.issuer}/token/revocation`,
      client_id: 'generic-client',
      client_secret: SECRETS.generic,
      scopes: ['api'],
    });
    expect(registered.status).toBe(201);
    const id = await createOAuthCredential({
      name: 'Generic',
      provider: 'generic',
      oauth_client_id: registered.body.data.id,
    });
    const read = await api(owner, 'GET', `/api/credentials/${id}`);
    expect(read.body.data.oauth).toMatchObject({
      provider: 'generic',
      oauth_client_id: registered.body.data.id,
    });
    expect((await storedTokens(id)).refresh_token).toBeTruthy();
  });

  it('refuses a replayed callback and one finished by another user', async () => {
    const start = await api(owner, 'POST', '/api/credentials/oauth', {
      name: 'Replay',
      provider: 'google',
    });
    const other = await createTestUser(db);
    const back = await provider.authorize(start.body.data.authorization_url, 'owner');
    const stolen = await fetch(`${server.baseUrl}${back.pathname}${back.search}`, {
      headers: other.headers,
      redirect: 'manual',
    });
    expect(
      new URL(stolen.headers.get('location')!, 'http://app').searchParams.get('oauth_error'),
    ).toContain('Sign in as the user who started');
    const replay = await fetch(`${server.baseUrl}${back.pathname}${back.search}`, {
      headers: owner.headers,
      redirect: 'manual',
    });
    expect(
      new URL(replay.headers.get('location')!, 'http://app').searchParams.get('oauth_error'),
    ).toContain('expired or was already used');
    const names = (await api(owner, 'GET', '/api/credentials')).body.data.map((c: Json) => c.name);
    expect(names).not.toContain('Replay');
  });

  it('refreshes an expiring token once for ten concurrent runs, which all get the fresh one', async () => {
    const runIds = await claimedRunsUsing(googleId, 10);
    const fresh = await deliver(runIds[0]!, googleId);
    expect(fresh.access_token).toBe((await storedTokens(googleId)).access_token);
    await expireIn(googleId, 30);
    const before = await storedTokens(googleId);
    const refreshes = provider.grants.refresh_token ?? 0;
    const bodies = await Promise.all(runIds.map((runId) => deliver(runId, googleId)));
    expect(provider.grants.refresh_token).toBe(refreshes + 1);
    const after = await storedTokens(googleId);
    expect(after.access_token).not.toBe(before.access_token);
    expect(Date.parse(after.expires_at!)).toBeGreaterThan(Date.now() + 300_000);
    for (const body of bodies) expect(body.access_token).toBe(after.access_token);
  });

  it('fails the run on a revoked grant, marks the credential and mails its owner; reauthorising mends it', async () => {
    const [runId] = await claimedRunsUsing(googleId, 1);
    const tokens = await storedTokens(googleId);
    // The user withdrew Lightning's access at the provider.
    const revoked = await fetch(`${provider.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: tokens.refresh_token!,
        client_id: 'google-client',
        client_secret: SECRETS.google,
      }),
    });
    expect(revoked.status).toBe(200);
    await expireIn(googleId, 30);

    const failure = await deliver(runId!, googleId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RunEventError);
    const message = (failure as RunEventError).errors.id![0]!;
    expect(message).toContain('Credential "Sheets" needs to be reauthorised');
    expect(message).toContain('invalid_grant');
    expect(message).not.toContain(tokens.refresh_token!);

    const read = await api(owner, 'GET', `/api/credentials/${googleId}`);
    expect(read.body.data.oauth).toMatchObject({ status: 'reauthorization_required' });
    expect(read.body.data.oauth.error).toContain('invalid_grant');
    const mails = await queryRows<{ subject: string; text: string }>(
      db,
      sql`SELECT subject, text FROM mail_messages WHERE recipient = ${owner.email}`,
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Your credential "Sheets" needs to be reauthorised');
    // Later runs are refused at once, without another refresh or another mail.
    const refreshes = provider.grants.refresh_token ?? 0;
    await expect(deliver(runId!, googleId)).rejects.toBeInstanceOf(RunEventError);
    expect(provider.grants.refresh_token ?? 0).toBe(refreshes);

    const again = await api(owner, 'POST', `/api/credentials/${googleId}/reauthorize`, {});
    expect(again.status).toBe(200);
    const { landing } = await consent(owner, again.body.data.authorization_url);
    expect(landing.searchParams.get('credential_id')).toBe(googleId);
    const mended = await api(owner, 'GET', `/api/credentials/${googleId}`);
    expect(mended.body.data.oauth).toMatchObject({ status: 'authorized', error: null });
    const body = await deliver(runId!, googleId);
    expect(body.access_token).toBe((await storedTokens(googleId)).access_token);
  });

  it('revokes a credential: the tokens are forgotten and runs are refused', async () => {
    const id = await createOAuthCredential({ name: 'To revoke', provider: 'google' });
    const [runId] = await claimedRunsUsing(id, 1);
    const answer = await api(owner, 'POST', `/api/credentials/${id}/revoke`);
    expect(answer.status).toBe(200);
    expect(answer.body.data.oauth.status).toBe('revoked');
    expect(await storedTokens(id)).toEqual({});
    const failure = await deliver(runId!, id).catch((error: unknown) => error);
    expect((failure as RunEventError).errors.id![0]).toContain(
      '"To revoke" needs to be reauthorised',
    );
  });

  it('refuses to start without the provider configured or with a bad body', async () => {
    const bad = await api(owner, 'POST', '/api/credentials/oauth', {
      name: 'x/y',
      provider: 'dropbox',
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['name', 'provider']);
    const noClient = await api(owner, 'POST', '/api/credentials/oauth', {
      name: 'No client',
      provider: 'generic',
    });
    expect(noClient.status).toBe(422);
    expect(noClient.body.errors.oauth_client_id).toBeDefined();
    const patch = await api(owner, 'PATCH', `/api/credentials/${googleId}`, {
      body: { access_token: 'pasted' },
    });
    expect(patch.status).toBe(422);
    expect(patch.body.errors.body[0]).toContain('reauthorise');
  });
});
