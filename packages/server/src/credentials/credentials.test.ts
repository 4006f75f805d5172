// The credentials API over a real server: schemas and field errors, masking on every read path,
// the sensitive-value limit, sharing rules, transfer, and deleting a credential jobs use.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { createWorkflowFixture } from '../runs/test-fixtures.js';
import { addMember, createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { MASK } from './sensitive.js';

let server: TestServer;
let db: Database;
let owner: TestUser;
let adminProject: string;
let viewerProject: string;

beforeAll(async () => {
  server = await startTestServer({ MAX_CREDENTIAL_SENSITIVE_VALUES: '3' });
  db = server.database.db;
  adminProject = await newProject('credentials-admin');
  viewerProject = await newProject('credentials-viewer');
  owner = await createTestUser(db, {
    projects: { [adminProject]: 'admin', [viewerProject]: 'viewer' },
  });
});
afterAll(() => server?.close());

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
type Json = any;

async function newProject(name: string): Promise<string> {
  const id = randomUUID();
  await db.insert(schema.projects).values({ id, name: `${name}-${id.slice(0, 6)}` });
  return id;
}

async function api(
  user: TestUser | null,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      ...(user ? user.headers : {}),
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const dhis2 = (password = 'district-secret-1') => ({
  hostUrl: 'https://play.dhis2.org/2.39',
  username: 'admin',
  password,
});

async function create(user: TestUser, body: Record<string, unknown>) {
  const response = await api(user, 'POST', '/api/credentials', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.data;
}

const credentialCount = async () =>
  (await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM credentials`))[0]!.n;

describe('credential schemas', () => {
  it('lists the shipped schemas with their JSON Schema', async () => {
    const { status, body } = await api(owner, 'GET', '/api/credential_schemas');
    expect(status).toBe(200);
    const names = body.data.map((item: Json) => item.name);
    expect(names).toEqual(
      expect.arrayContaining(['dhis2', 'googlesheets', 'http', 'postgresql', 'raw', 'salesforce']),
    );
    const dhis2Schema = body.data.find((item: Json) => item.name === 'dhis2').schema;
    expect(dhis2Schema.properties.password).toMatchObject({ writeOnly: true });
    expect((await api(null, 'GET', '/api/credential_schemas')).status).toBe(401);
  });

  it('answers 422 with field errors keyed by path when a body does not match its schema', async () => {
    const before = await credentialCount();
    const { status, body } = await api(owner, 'POST', '/api/credentials', {
      name: 'bad postgres',
      schema: 'postgresql',
      body: { host: 'db', port: 'five', database: 'x', extra: 1 },
    });
    expect(status).toBe(422);
    expect(body.errors).toMatchObject({
      'body.port': ['must be integer'],
      'body.user': ["can't be blank"],
      'body.password': ["can't be blank"],
      'body.extra': ['is not a field of this schema'],
    });
    const uri = await api(owner, 'POST', '/api/credentials', {
      name: 'bad dhis2',
      schema: 'dhis2',
      body: { ...dhis2(), hostUrl: 'not a url' },
    });
    expect(uri.status).toBe(422);
    expect(uri.body.errors['body.hostUrl']).toEqual([expect.stringMatching(/format "uri"/)]);
    expect(await credentialCount()).toBe(before);
  });

  it('refuses an unknown schema, naming it', async () => {
    const { status, body } = await api(owner, 'POST', '/api/credentials', {
      name: 'mystery',
      schema: 'no-such-adaptor',
      body: {},
    });
    expect(status).toBe(422);
    expect(body.error).toContain('no-such-adaptor');
    expect(body.errors.schema[0]).toContain('no-such-adaptor');
  });

  it('refuses a body that is not a JSON object, and a request that is not JSON', async () => {
    const text = await api(owner, 'POST', '/api/credentials', {
      name: 'text',
      schema: 'raw',
      body: '{"token": ',
    });
    expect(text.status).toBe(422);
    expect(text.body.errors.body).toEqual(['is not valid JSON']);
    const list = await api(owner, 'POST', '/api/credentials', {
      name: 'list',
      schema: 'raw',
      body: [1, 2],
    });
    expect(list.body.errors.body).toEqual(['must be a JSON object']);
    const broken = await api(owner, 'POST', '/api/credentials', '{"name": "x", "body": {');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/JSON/);
  });

  it('accepts any JSON object for raw, also given as JSON text', async () => {
    const credential = await create(owner, {
      name: 'raw text',
      schema: 'raw',
      body: JSON.stringify({ endpoint: 'https://x.example', apiKey: 'raw-api-key-1' }),
    });
    expect(credential.body).toEqual({ endpoint: 'https://x.example', apiKey: MASK });
  });
});

describe('masking', () => {
  it('never returns a saved sensitive value: create, show, list, update', async () => {
    const secret = 'mask-me-please-42';
    const created = await create(owner, {
      name: 'masked dhis2',
      schema: 'dhis2',
      body: dhis2(secret),
      project_ids: [adminProject],
    });
    expect(created.body).toEqual({ ...dhis2(MASK) });
    expect(created.project_credentials).toEqual([
      { id: expect.any(String), project_id: adminProject },
    ]);
    const responses = [
      JSON.stringify(created),
      JSON.stringify((await api(owner, 'GET', `/api/credentials/${created.id}`)).body),
      JSON.stringify((await api(owner, 'GET', '/api/credentials')).body),
      JSON.stringify((await api(owner, 'GET', `/api/projects/${adminProject}/credentials`)).body),
      JSON.stringify(
        (await api(owner, 'PATCH', `/api/credentials/${created.id}`, { production: true })).body,
      ),
    ];
    for (const response of responses) expect(response).not.toContain(secret);

    // The body is stored encrypted, not as JSON text.
    const [row] = await db
      .select({ body: schema.credentials.body })
      .from(schema.credentials)
      .where(eq(schema.credentials.id, created.id));
    expect(Buffer.from(row!.body).toString('latin1')).not.toContain(secret);
  });

  it('keeps the saved value when an update sends the mask back, and takes a new one', async () => {
    const created = await create(owner, {
      name: 'keep mask',
      schema: 'raw',
      body: { user: 'u1', nested: { token: 'first-token-value' } },
    });
    expect(created.body).toEqual({ user: 'u1', nested: { token: MASK } });
    const renamed = await api(owner, 'PATCH', `/api/credentials/${created.id}`, {
      body: { ...created.body, user: 'u2' },
    });
    expect(renamed.status).toBe(200);
    expect(await decryptedBody(created.id)).toEqual({
      user: 'u2',
      nested: { token: 'first-token-value' },
    });
    await api(owner, 'PATCH', `/api/credentials/${created.id}`, {
      body: { user: 'u2', nested: { token: 'second-token-value' } },
    });
    expect(await decryptedBody(created.id)).toEqual({
      user: 'u2',
      nested: { token: 'second-token-value' },
    });
    const unknownMask = await api(owner, 'PATCH', `/api/credentials/${created.id}`, {
      body: { user: 'u2', nested: { token: MASK }, password: MASK },
    });
    expect(unknownMask.status).toBe(422);
    expect(Object.keys(unknownMask.body.errors)).toEqual(['body.password']);
  });
});

async function decryptedBody(id: string) {
  const [row] = await db
    .select({ body: schema.credentials.body })
    .from(schema.credentials)
    .where(eq(schema.credentials.id, id));
  return server.vault.decryptJson(row!.body);
}

describe('the sensitive-value limit', () => {
  it('refuses more sensitive values than MAX_CREDENTIAL_SENSITIVE_VALUES, counting nested ones', async () => {
    const before = await credentialCount();
    const { status, body } = await api(owner, 'POST', '/api/credentials', {
      name: 'too many',
      schema: 'raw',
      body: { password: 'one-1', keys: { a: 'two-2', b: 'three-3' }, tokens: ['four-4'] },
    });
    expect(status).toBe(422);
    expect(body.error).toContain('MAX_CREDENTIAL_SENSITIVE_VALUES allows 3');
    expect(body.errors.body[0]).toContain('4 sensitive values');
    expect(await credentialCount()).toBe(before);
    // Three are fine; empty strings and booleans do not count.
    await create(owner, {
      name: 'just enough',
      schema: 'raw',
      body: { password: 'one-1', keys: { a: 'two-2', b: '' }, tokens: ['four-4', true] },
    });
  });
});

describe('sharing', () => {
  it('shares only with projects where the caller is an admin', async () => {
    const before = await credentialCount();
    const refused = await api(owner, 'POST', '/api/credentials', {
      name: 'to viewer project',
      schema: 'dhis2',
      body: { nonsense: true },
      project_credentials: [{ project_id: viewerProject }],
    });
    // 403 (the role), not 422 (the body): sharing is checked first.
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain(viewerProject);
    const stranger = await api(owner, 'POST', '/api/credentials', {
      name: 'to foreign project',
      schema: 'dhis2',
      body: dhis2(),
      project_ids: [await newProject('foreign')],
    });
    expect(stranger.status).toBe(404);
    expect(await credentialCount()).toBe(before);

    const credential = await create(owner, {
      name: 'later shared',
      schema: 'dhis2',
      body: dhis2(),
    });
    const toViewer = await api(
      owner,
      'POST',
      `/api/credentials/${credential.id}/project_credentials`,
      {
        project_id: viewerProject,
      },
    );
    expect(toViewer.status).toBe(403);
    const toAdmin = await api(
      owner,
      'POST',
      `/api/credentials/${credential.id}/project_credentials`,
      {
        project_id: adminProject,
      },
    );
    expect(toAdmin.status).toBe(201);
    expect(toAdmin.body.data).toEqual({ id: expect.any(String), project_id: adminProject });
  });

  it('shows members of a shared project the name, never the body; others nothing', async () => {
    const credential = await create(owner, {
      name: 'seen by members',
      schema: 'dhis2',
      body: dhis2(),
      project_ids: [adminProject],
    });
    const viewer = await createTestUser(db, { projects: { [adminProject]: 'viewer' } });
    const shown = await api(viewer, 'GET', `/api/credentials/${credential.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.data).toMatchObject({ name: 'seen by members', owner_email: owner.email });
    expect(shown.body.data.body).toBeUndefined();
    const listed = (await api(viewer, 'GET', '/api/credentials')).body.data;
    expect(listed.find((item: Json) => item.id === credential.id).body).toBeUndefined();
    const projectList = await api(viewer, 'GET', `/api/projects/${adminProject}/credentials`);
    expect(projectList.body.data).toContainEqual({
      project_credential_id: credential.project_credentials[0].id,
      credential_id: credential.id,
      name: 'seen by members',
      schema: 'dhis2',
      owner_email: owner.email,
    });
    expect(
      (await api(viewer, 'PATCH', `/api/credentials/${credential.id}`, { name: 'x' })).status,
    ).toBe(403);
    expect((await api(viewer, 'DELETE', `/api/credentials/${credential.id}`)).status).toBe(403);
    const outsider = await createTestUser(db);
    expect((await api(outsider, 'GET', `/api/credentials/${credential.id}`)).status).toBe(404);
    expect((await api(outsider, 'GET', `/api/projects/${adminProject}/credentials`)).status).toBe(
      404,
    );
  });

  it("lets a job use only a project credential of the job's own project", async () => {
    const elsewhere = await newProject('elsewhere');
    await addMember(db, elsewhere, owner.id, 'admin');
    const credential = await create(owner, {
      name: 'for elsewhere',
      schema: 'raw',
      body: {},
      project_ids: [elsewhere],
    });
    const refused = await api(owner, 'POST', `/api/projects/${adminProject}/workflows`, {
      name: `borrowing ${randomUUID().slice(0, 6)}`,
      jobs: [
        {
          name: 'job',
          body: 'fn(s => s)',
          adaptor: '@openfn/language-common@3.3.4',
          project_credential_id: credential.project_credentials[0].id,
        },
      ],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors['jobs[0].project_credential_id']).toEqual([
      'must be a credential of this project',
    ]);
  });

  it('lists for a superuser every shared credential, masked, but not unshared ones of others', async () => {
    const shared = await create(owner, {
      name: 'shared for superuser',
      schema: 'dhis2',
      body: dhis2('superuser-cannot-read'),
      project_ids: [adminProject],
    });
    const unshared = await create(owner, { name: 'private one', schema: 'raw', body: {} });
    const superuser = await createTestUser(db, { superuser: true });
    const listed = await api(superuser, 'GET', '/api/credentials');
    const ids = listed.body.data.map((item: Json) => item.id);
    expect(ids).toContain(shared.id);
    expect(ids).not.toContain(unshared.id);
    expect(JSON.stringify(listed.body)).not.toContain('superuser-cannot-read');
  });

  it('refuses a duplicate name for the same owner', async () => {
    await create(owner, { name: 'twice', schema: 'raw', body: {} });
    const again = await api(owner, 'POST', '/api/credentials', {
      name: 'twice',
      schema: 'raw',
      body: {},
    });
    expect(again.status).toBe(422);
    expect(again.body.errors.name).toBeDefined();
  });
});

describe('transfer', () => {
  it('transfers only to a member of every project the credential is shared with', async () => {
    const credential = await create(owner, {
      name: 'to hand over',
      schema: 'dhis2',
      body: dhis2(),
      project_ids: [adminProject],
    });
    const outsider = await createTestUser(db);
    const refused = await api(owner, 'POST', `/api/credentials/${credential.id}/transfer`, {
      email: outsider.email,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toContain('credentials-admin');
    await addMember(db, adminProject, outsider.id, 'editor');
    const done = await api(owner, 'POST', `/api/credentials/${credential.id}/transfer`, {
      email: outsider.email,
    });
    expect(done.status).toBe(200);
    const shown = await api(outsider, 'GET', `/api/credentials/${credential.id}`);
    expect(shown.body.data).toMatchObject({ owner_email: outsider.email, body: dhis2(MASK) });
    expect(
      (await api(owner, 'PATCH', `/api/credentials/${credential.id}`, { name: 'mine' })).status,
    ).toBe(403);
  });
});

describe('deleting a credential in use', () => {
  it('is refused naming the jobs, and with force detaches it from them first', async () => {
    const credential = await create(owner, {
      name: 'in use',
      schema: 'dhis2',
      body: dhis2(),
      project_ids: [adminProject],
    });
    const fixture = await createWorkflowFixture(db, { projectId: adminProject });
    const projectCredentialId = credential.project_credentials[0].id;
    await db
      .update(schema.jobs)
      .set({ projectCredentialId })
      .where(eq(schema.jobs.id, fixture.jobIds[0]));

    const refused = await api(owner, 'DELETE', `/api/credentials/${credential.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.jobs).toEqual([
      expect.objectContaining({ job_id: fixture.jobIds[0], job_name: 'a' }),
    ]);
    expect(refused.body.error).toContain('force=true');
    const unshare = await api(
      owner,
      'DELETE',
      `/api/credentials/${credential.id}/project_credentials/${adminProject}`,
    );
    expect(unshare.status).toBe(409);

    const [before] = await db
      .select()
      .from(schema.workflows)
      .where(eq(schema.workflows.id, fixture.workflowId));
    expect(
      (await api(owner, 'DELETE', `/api/credentials/${credential.id}?force=true`)).status,
    ).toBe(204);
    const [job] = await db.select().from(schema.jobs).where(eq(schema.jobs.id, fixture.jobIds[0]));
    expect(job!.projectCredentialId).toBeNull();
    const [after] = await db
      .select()
      .from(schema.workflows)
      .where(eq(schema.workflows.id, fixture.workflowId));
    // Saved as a new version, so new runs use a snapshot without the credential.
    expect(after!.lockVersion).toBe(before!.lockVersion + 1);
    expect((await api(owner, 'GET', `/api/credentials/${credential.id}`)).status).toBe(404);
  });

  it('unshares a credential nobody uses', async () => {
    const credential = await create(owner, {
      name: 'unused',
      schema: 'raw',
      body: {},
      project_ids: [adminProject],
    });
    expect(
      (
        await api(
          owner,
          'DELETE',
          `/api/credentials/${credential.id}/project_credentials/${adminProject}`,
        )
      ).status,
    ).toBe(204);
    expect((await api(owner, 'GET', `/api/credentials/${credential.id}`)).body.data).toMatchObject({
      project_credentials: [],
    });
  });
});
