// Provisioning applies exactly the policy of the equivalent REST calls, field by field: a document
// changing a project setting needs project:update (admin), as PATCH /api/projects/:id does;
// `requires_mfa` can only be turned on by someone who uses MFA; workflows need provision:write
// (editor). A document changing anything the caller may not change is refused whole.
import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function call(as: TestUser, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers:
      body === undefined ? as.headers : { ...as.headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: reading answers of several shapes
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function useMfa(user: TestUser) {
  await server.testDatabase.db
    .update(schema.users)
    .set({ mfaEnabled: true })
    .where(eq(schema.users.id, user.id));
}

/** A project provisioned by its owner, with one member per role and a superuser. */
async function project() {
  const db = server.testDatabase.db;
  const owner = await createTestUser(db);
  const id = randomUUID();
  const document = {
    id,
    name: `access-${id.slice(0, 8)}`,
    workflows: [{ id: randomUUID(), name: 'intake', jobs: [], triggers: [], edges: [] }],
  };
  expect((await call(owner, 'POST', '/api/provision', document)).status).toBe(201);
  const [editor, admin] = [
    await createTestUser(db, { projects: { [id]: 'editor' } }),
    await createTestUser(db, { projects: { [id]: 'admin' } }),
  ];
  const superuser = await createTestUser(db, { superuser: true });
  const pulled = (await call(owner, 'GET', `/api/provision/${id}`)).body.data;
  return { id, owner, editor, admin, superuser, pulled };
}

const workflowCount = async (projectId: string) =>
  (
    await server.testDatabase.db
      .select({ n: count() })
      .from(schema.workflows)
      .where(eq(schema.workflows.projectId, projectId))
  )[0]?.n;

describe('provisioning authorization', () => {
  it('refuses an editor changing project settings, whole, naming the fields', async () => {
    const { id, editor, owner, pulled } = await project();
    const before = (await call(owner, 'GET', `/api/provision/${id}`)).body.data;
    const refused = await call(editor, 'POST', '/api/provision', {
      ...pulled,
      requires_mfa: true,
      retention_policy: 'erase_all',
      history_retention_period: 30,
      concurrency: 2,
      workflows: [...pulled.workflows, { id: randomUUID(), name: 'sneaked in' }],
    });
    expect(refused.status).toBe(403);
    expect(Object.keys(refused.body.errors).sort()).toEqual([
      'concurrency',
      'history_retention_period',
      'requires_mfa',
      'retention_policy',
    ]);
    // Nothing applied: the owner still gets in, the settings and workflows are as they were.
    const after = await call(owner, 'GET', `/api/provision/${id}`);
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual(before);
    expect(await workflowCount(id)).toBe(1);
    // The same as the REST call.
    expect((await call(editor, 'PATCH', `/api/projects/${id}`, { concurrency: 2 })).status).toBe(
      403,
    );
  });

  it('lets an editor deploy a pulled document, and change its workflows', async () => {
    const { id, editor, pulled } = await project();
    expect((await call(editor, 'POST', '/api/provision/', pulled)).status).toBe(201);
    const added = await call(editor, 'POST', '/api/provision', {
      ...pulled,
      workflows: [...pulled.workflows, { id: randomUUID(), name: 'second' }],
    });
    expect(added.status).toBe(201);
    expect(await workflowCount(id)).toBe(2);
  });

  it('lets an admin change the settings an editor may not', async () => {
    const { admin, pulled } = await project();
    const changed = await call(admin, 'POST', '/api/provision', {
      ...pulled,
      retention_policy: 'erase_all',
      history_retention_period: 30,
      concurrency: 2,
    });
    expect(changed.status).toBe(201);
    expect(changed.body.data).toMatchObject({
      retention_policy: 'erase_all',
      history_retention_period: 30,
      concurrency: 2,
    });
  });

  it('turns requires_mfa on only for a caller who uses MFA, as PATCH does', async () => {
    const { id, owner, superuser, pulled } = await project();
    const viaProvision = await call(owner, 'POST', '/api/provision', {
      ...pulled,
      requires_mfa: true,
    });
    const viaPatch = await call(owner, 'PATCH', `/api/projects/${id}`, { requires_mfa: true });
    expect(viaProvision.status).toBe(422);
    expect(viaPatch.status).toBe(422);
    expect(Object.keys(viaProvision.body.errors)).toEqual(Object.keys(viaPatch.body.errors));
    expect((await call(owner, 'GET', `/api/provision/${id}`)).status).toBe(200);
    expect((await call(superuser, 'GET', `/api/provision/${id}`)).status).toBe(200);

    await useMfa(owner);
    const turnedOn = await call(owner, 'POST', '/api/provision', { ...pulled, requires_mfa: true });
    expect(turnedOn.status).toBe(201);
    expect(turnedOn.body.data.requires_mfa).toBe(true);
  });

  it('refuses a new project requiring MFA from a creator without it, creating nothing', async () => {
    const stranger = await createTestUser(server.testDatabase.db);
    const id = randomUUID();
    const refused = await call(stranger, 'POST', '/api/provision', {
      id,
      name: 'mfa-project',
      requires_mfa: true,
    });
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.body.errors)).toEqual(['requires_mfa']);
    expect((await call(stranger, 'GET', `/api/provision/${id}`)).status).toBe(404);
  });

  it('refuses a non-member and a viewer before reading the body', async () => {
    const { id } = await project();
    const db = server.testDatabase.db;
    const viewer = await createTestUser(db, { projects: { [id]: 'viewer' } });
    const stranger = await createTestUser(db);
    const malformed = { id, name: 42, workflows: 'none', requires_mfa: 'yes' };
    expect((await call(viewer, 'POST', '/api/provision', malformed)).status).toBe(403);
    expect((await call(stranger, 'POST', '/api/provision', malformed)).status).toBe(404);
  });
});
