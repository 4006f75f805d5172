// OAuth clients over a real server: the secret stays in the vault (never answered, never in a
// column in plaintext), endpoint and scope validation, instance-wide vs project clients, PATCH
// keeping or replacing the secret, and a client bound to a credential cannot be deleted.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { findPlaintextSecrets } from '../test-support/secret-scan.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { MASK } from './sensitive.js';

let server: TestServer;
let db: Database;
let superuser: TestUser;
let admin: TestUser;
let viewer: TestUser;
let projectId: string;

beforeAll(async () => {
  server = await startTestServer();
  db = server.database.db;
  projectId = randomUUID();
  await db
    .insert(schema.projects)
    .values({ id: projectId, name: `oauth-${projectId.slice(0, 6)}` });
  superuser = await createTestUser(db, { superuser: true });
  admin = await createTestUser(db, { projects: { [projectId]: 'admin' } });
  viewer = await createTestUser(db, { projects: { [projectId]: 'viewer' } });
});
afterAll(() => server?.close());

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
type Json = any;

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

const clientBody = (secret: string) => ({
  name: 'Acme CRM',
  authorization_endpoint: 'https://login.acme.example/oauth/authorize',
  token_endpoint: 'https://login.acme.example/oauth/token',
  userinfo_endpoint: 'https://login.acme.example/oauth/userinfo',
  client_id: 'acme-lightning',
  client_secret: secret,
  scopes: ['crm.read', 'offline_access'],
});

async function storedSecret(id: string): Promise<string> {
  const [row] = await db
    .select({ secret: schema.oauthClients.clientSecret })
    .from(schema.oauthClients)
    .where(eq(schema.oauthClients.id, id));
  return server.vault.decryptString(row!.secret);
}

describe('OAuth clients', () => {
  it('keeps the client secret in the vault and answers the mask in its place', async () => {
    const secret = `acme-secret-${randomUUID()}`;
    const created = await api(superuser, 'POST', '/api/oauth_clients', clientBody(secret));
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'Acme CRM',
      project_id: null,
      client_id: 'acme-lightning',
      client_secret: MASK,
      scopes: ['crm.read', 'offline_access'],
    });
    expect(JSON.stringify(created.body)).not.toContain(secret);
    const listed = await api(viewer, 'GET', '/api/oauth_clients');
    expect(listed.body.data.map((c: Json) => c.id)).toContain(created.body.data.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(await storedSecret(created.body.data.id)).toBe(secret);
    const scan = await findPlaintextSecrets(db, ['oauth_clients', 'audit_events'], [secret]);
    expect(scan.valuesScanned).toBeGreaterThan(0);
    expect(scan.hits).toEqual([]);
  });

  it('refuses bad endpoints, scopes and missing fields, naming each, and writes nothing', async () => {
    const before = await db.select().from(schema.oauthClients);
    const response = await api(superuser, 'POST', '/api/oauth_clients', {
      name: '',
      authorization_endpoint: 'http://login.acme.example/authorize',
      token_endpoint: 'not a url',
      scopes: ['two words'],
    });
    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors).sort()).toEqual([
      'authorization_endpoint',
      'client_id',
      'client_secret',
      'name',
      'scopes.0',
      'token_endpoint',
    ]);
    expect(response.body.errors.authorization_endpoint[0]).toMatch(/https/);
    expect(await db.select().from(schema.oauthClients)).toHaveLength(before.length);
  });

  it('lets only superusers create instance-wide clients and project admins their project’s', async () => {
    expect((await api(admin, 'POST', '/api/oauth_clients', clientBody('s3cret-x'))).status).toBe(
      403,
    );
    const path = `/api/projects/${projectId}/oauth_clients`;
    expect((await api(viewer, 'POST', path, clientBody('s3cret-y'))).status).toBe(403);
    const created = await api(admin, 'POST', path, clientBody('s3cret-z'));
    expect(created.status).toBe(201);
    expect(created.body.data.project_id).toBe(projectId);
    const stranger = await createTestUser(db);
    expect((await api(stranger, 'GET', `/api/oauth_clients/${created.body.data.id}`)).status).toBe(
      404,
    );
    const listed = await api(viewer, 'GET', path);
    expect(listed.body.data.map((c: Json) => c.id)).toContain(created.body.data.id);
  });

  it('PATCH keeps the saved secret unless a new one is sent', async () => {
    const created = await api(superuser, 'POST', '/api/oauth_clients', clientBody('first-secret'));
    const id = created.body.data.id;
    const renamed = await api(superuser, 'PATCH', `/api/oauth_clients/${id}`, {
      name: 'Acme CRM (EU)',
      client_secret: MASK,
      scopes: ['crm.read'],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ name: 'Acme CRM (EU)', scopes: ['crm.read'] });
    expect(await storedSecret(id)).toBe('first-secret');
    await api(superuser, 'PATCH', `/api/oauth_clients/${id}`, { client_secret: 'second-secret' });
    expect(await storedSecret(id)).toBe('second-secret');
    const bad = await api(superuser, 'PATCH', `/api/oauth_clients/${id}`, {
      token_endpoint: 'ftp://x',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.token_endpoint).toBeDefined();
  });

  it('refuses to delete a client a credential is bound to', async () => {
    const created = await api(superuser, 'POST', '/api/oauth_clients', clientBody('bound-secret'));
    const id = created.body.data.id;
    const [credential] = await db
      .insert(schema.credentials)
      .values({
        userId: superuser.id,
        name: `bound ${randomUUID().slice(0, 6)}`,
        schema: 'oauth',
        body: server.vault.encryptJson({}),
        oauthProvider: 'generic',
        oauthClientId: id,
      })
      .returning({ id: schema.credentials.id });
    const refused = await api(superuser, 'DELETE', `/api/oauth_clients/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/used by 1 credential/);
    await db.delete(schema.credentials).where(eq(schema.credentials.id, credential!.id));
    expect((await api(superuser, 'DELETE', `/api/oauth_clients/${id}`)).status).toBe(204);
    expect((await api(superuser, 'GET', `/api/oauth_clients/${id}`)).status).toBe(404);
  });
});
