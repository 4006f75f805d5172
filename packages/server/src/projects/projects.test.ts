// The projects API over a real server: creating, listing, settings rules, deletion of a project
// with history, and the member rules (one owner, admins never touch the owner, transfer).
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { NotFoundError } from '../http/errors.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { authorize } from './policy.js';

let server: TestServer;
let db: Database;

beforeAll(async () => {
  server = await startTestServer();
  db = server.database.db;
});
afterAll(() => server?.close());

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
type Json = any;

async function api(
  user: TestUser | null,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await server.app.inject({
    method,
    url,
    headers: user ? user.headers : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: response.statusCode, body: response.body ? response.json() : null };
}

async function auditEvents(projectId: string) {
  return db
    .select({ event: schema.auditEvents.event, actorId: schema.auditEvents.actorId })
    .from(schema.auditEvents)
    .where(eq(schema.auditEvents.projectId, projectId));
}

describe('projects', () => {
  it('creates a project owned by its creator, listed for members only', async () => {
    const alice = await createTestUser(db);
    const bob = await createTestUser(db);
    const created = await api(alice, 'POST', '/api/projects', {
      name: 'health-data',
      description: 'Facility reports',
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'health-data',
      description: 'Facility reports',
      role: 'owner',
      retention_policy: 'retain_all',
      requires_mfa: false,
    });
    const id = created.body.data.id;
    expect((await api(alice, 'GET', '/api/projects')).body.data.map((p: Json) => p.id)).toEqual([
      id,
    ]);
    expect((await api(bob, 'GET', '/api/projects')).body.data).toEqual([]);
    expect((await api(bob, 'GET', `/api/projects/${id}`)).status).toBe(404);
    const superuser = await createTestUser(db, { superuser: true });
    const all = (await api(superuser, 'GET', '/api/projects')).body.data;
    expect(all.find((p: Json) => p.id === id)).toMatchObject({ role: null });
    expect(await auditEvents(id)).toEqual([{ event: 'project_created', actorId: alice.id }]);
  });

  it('refuses bad names and malformed bodies, naming the field', async () => {
    const alice = await createTestUser(db);
    const bad = await api(alice, 'POST', '/api/projects', { name: 'My Project' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.name[0]).toMatch(/lower-case letters, digits and hyphens/);
    const malformed = await api(alice, 'POST', '/api/projects', { name: 3, colour: 'red' });
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.errors).sort()).toEqual(['colour', 'name']);
    expect((await api(alice, 'POST', '/api/projects', {})).body.errors).toEqual({
      name: ['is required'],
    });
    expect((await api(null, 'POST', '/api/projects', { name: 'x' })).status).toBe(401);
  });

  it('answers 404 for a project id that is not a UUID, at the policy too', async () => {
    const alice = await createTestUser(db, { superuser: true });
    expect((await api(alice, 'GET', '/api/projects/not-a-uuid')).status).toBe(404);
    await expect(
      authorize(
        db,
        {
          user: {
            ...alice,
            firstName: 'A',
            lastName: 'B',
            role: 'superuser',
            mfaEnabled: false,
            confirmedAt: null,
          },
          via: 'api_token',
          tokenId: alice.id,
        },
        'nope',
        'project:read',
      ),
    ).rejects.toThrow(NotFoundError);
  });

  it('changes settings within the retention rules, all or nothing', async () => {
    const owner = await createTestUser(db);
    const { id } = (await api(owner, 'POST', '/api/projects', { name: 'settings' })).body.data;
    const ok = await api(owner, 'PATCH', `/api/projects/${id}`, {
      history_retention_period: 90,
      dataclip_retention_period: 30,
      retention_policy: 'retain_with_errors',
      concurrency: 2,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({
      history_retention_period: 90,
      dataclip_retention_period: 30,
      retention_policy: 'retain_with_errors',
      concurrency: 2,
    });
    const bad = await api(owner, 'PATCH', `/api/projects/${id}`, {
      name: 'renamed',
      history_retention_period: 45,
      dataclip_retention_period: 180,
      retention_policy: 'keep_everything',
      concurrency: 0,
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.errors).sort()).toEqual([
      'concurrency',
      'history_retention_period',
      'retention_policy',
    ]);
    const longer = await api(owner, 'PATCH', `/api/projects/${id}`, {
      dataclip_retention_period: 180,
    });
    expect(longer.body.errors).toEqual({
      dataclip_retention_period: ['must not be longer than history_retention_period'],
    });
    expect((await api(owner, 'GET', `/api/projects/${id}`)).body.data).toMatchObject({
      name: 'settings',
      dataclip_retention_period: 30,
    });
    // Without a history period no dataclip period applies.
    const cleared = await api(owner, 'PATCH', `/api/projects/${id}`, {
      history_retention_period: null,
    });
    expect(cleared.body.data).toMatchObject({
      history_retention_period: null,
      dataclip_retention_period: null,
    });
    // Requiring MFA needs an owner who uses it.
    const mfa = await api(owner, 'PATCH', `/api/projects/${id}`, { requires_mfa: true });
    expect(mfa.status).toBe(422);
    expect(mfa.body.errors.requires_mfa).toHaveLength(1);
  });

  it('hides a project requiring MFA from members who do not use it', async () => {
    const project = await createWorkflowFixture(db);
    await db
      .update(schema.projects)
      .set({ requiresMfa: true })
      .where(eq(schema.projects.id, project.projectId));
    const editor = await createTestUser(db, { projects: { [project.projectId]: 'editor' } });
    const denied = await api(editor, 'GET', `/api/projects/${project.projectId}/members`);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatch(/multi-factor/);
    await db.update(schema.users).set({ mfaEnabled: true }).where(eq(schema.users.id, editor.id));
    expect((await api(editor, 'GET', `/api/projects/${project.projectId}/members`)).status).toBe(
      200,
    );
  });

  it('deletes a project with its workflows and history (owner only)', async () => {
    const fixture = await createWorkflowFixture(db);
    const owner = await createTestUser(db, { projects: { [fixture.projectId]: 'owner' } });
    const admin = await createTestUser(db, { projects: { [fixture.projectId]: 'admin' } });
    const run = await enqueueRun(db, fixture, {
      dataclip: { projectId: fixture.projectId, type: 'http_request', body: { n: 1 } },
    });
    const stepId = randomUUID();
    await db.insert(schema.steps).values({
      id: stepId,
      jobId: fixture.jobIds[0],
      snapshotId: fixture.snapshotId,
      inputDataclipId: run.dataclipId,
    });
    await db.insert(schema.runSteps).values({ runId: run.runId, stepId });

    expect((await api(admin, 'DELETE', `/api/projects/${fixture.projectId}`)).status).toBe(403);
    expect((await api(owner, 'DELETE', `/api/projects/${fixture.projectId}`)).status).toBe(204);
    expect(
      await db.select().from(schema.projects).where(eq(schema.projects.id, fixture.projectId)),
    ).toEqual([]);
    expect(await db.select().from(schema.steps).where(eq(schema.steps.id, stepId))).toEqual([]);
    expect(
      await db.select().from(schema.workOrders).where(eq(schema.workOrders.id, run.workOrderId)),
    ).toEqual([]);
    expect((await auditEvents(fixture.projectId)).map((e) => e.event)).toContain('project_deleted');
    expect((await api(owner, 'GET', `/api/projects/${fixture.projectId}`)).status).toBe(404);
  });
});

describe('members', () => {
  async function project() {
    const owner = await createTestUser(db);
    const { id } = (
      await api(owner, 'POST', '/api/projects', { name: `p-${randomUUID().slice(0, 8)}` })
    ).body.data;
    const admin = await createTestUser(db, { projects: { [id]: 'admin' } });
    const viewer = await createTestUser(db, { projects: { [id]: 'viewer' } });
    return { id, owner, admin, viewer };
  }

  const roleOf = async (projectId: string, userId: string) =>
    (
      await db
        .select({ role: schema.projectUsers.role })
        .from(schema.projectUsers)
        .where(
          and(eq(schema.projectUsers.projectId, projectId), eq(schema.projectUsers.userId, userId)),
        )
    )[0]?.role ?? null;

  it('lists members for every member, with their alert settings', async () => {
    const { id, owner, viewer } = await project();
    const listed = await api(viewer, 'GET', `/api/projects/${id}/members`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(3);
    expect(listed.body.data.find((m: Json) => m.user_id === owner.id)).toEqual({
      user_id: owner.id,
      email: owner.email,
      first_name: 'Test',
      last_name: 'User',
      role: 'owner',
      failure_alert: false,
      digest: 'never',
    });
  });

  it('lets admins add members by email, never as owner', async () => {
    const { id, admin, viewer } = await project();
    const newcomer = await createTestUser(db);
    const added = await api(admin, 'POST', `/api/projects/${id}/members`, {
      email: newcomer.email.toUpperCase(),
      role: 'editor',
    });
    expect(added.status).toBe(201);
    expect(added.body.data).toMatchObject({ user_id: newcomer.id, role: 'editor' });
    const again = await api(admin, 'POST', `/api/projects/${id}/members`, {
      email: newcomer.email,
      role: 'viewer',
    });
    expect(again.status).toBe(422);
    expect(again.body.errors.email).toEqual(['is already a member of this project']);
    const unknown = await api(admin, 'POST', `/api/projects/${id}/members`, {
      email: 'nobody@example.com',
      role: 'viewer',
    });
    expect(unknown.body.errors.email).toHaveLength(1);
    const other = await createTestUser(db);
    const asOwner = await api(admin, 'POST', `/api/projects/${id}/members`, {
      email: other.email,
      role: 'owner',
    });
    expect(asOwner.status).toBe(422);
    expect(await roleOf(id, other.id)).toBeNull();
    // A viewer may not add anyone: 403 before the body is looked at.
    expect((await api(viewer, 'POST', `/api/projects/${id}/members`, {})).status).toBe(403);
    expect((await auditEvents(id)).filter((e) => e.event === 'member_added')).toEqual([
      { event: 'member_added', actorId: admin.id },
    ]);
  });

  it('changes roles; admins cannot demote, remove or appoint the owner', async () => {
    const { id, owner, admin, viewer } = await project();
    expect(
      (await api(admin, 'PATCH', `/api/projects/${id}/members/${viewer.id}`, { role: 'editor' }))
        .body.data.role,
    ).toBe('editor');
    const demoteOwner = await api(admin, 'PATCH', `/api/projects/${id}/members/${owner.id}`, {
      role: 'viewer',
    });
    expect(demoteOwner.status).toBe(422);
    const appoint = await api(admin, 'PATCH', `/api/projects/${id}/members/${viewer.id}`, {
      role: 'owner',
    });
    expect(appoint.status).toBe(403);
    expect((await api(admin, 'DELETE', `/api/projects/${id}/members/${owner.id}`)).status).toBe(
      403,
    );
    expect(await roleOf(id, owner.id)).toBe('owner');
    expect(await roleOf(id, viewer.id)).toBe('editor');
    const badRole = await api(admin, 'PATCH', `/api/projects/${id}/members/${viewer.id}`, {
      role: 'king',
    });
    expect(badRole.body.errors).toEqual({ role: ['must be viewer, editor or admin'] });
  });

  it('transfers ownership from the owner; the previous owner becomes an admin', async () => {
    const { id, owner, viewer } = await project();
    const transferred = await api(owner, 'PATCH', `/api/projects/${id}/members/${viewer.id}`, {
      role: 'owner',
    });
    expect(transferred.status).toBe(200);
    expect(await roleOf(id, viewer.id)).toBe('owner');
    expect(await roleOf(id, owner.id)).toBe('admin');
    // The last (and only) owner cannot be removed, even by a superuser.
    const superuser = await createTestUser(db, { superuser: true });
    expect(
      (await api(superuser, 'DELETE', `/api/projects/${id}/members/${viewer.id}`)).status,
    ).toBe(403);
    expect((await auditEvents(id)).map((e) => e.event)).toContain('ownership_transferred');
  });

  it('removes members (admins) and records it', async () => {
    const { id, admin, viewer } = await project();
    expect((await api(admin, 'DELETE', `/api/projects/${id}/members/${viewer.id}`)).status).toBe(
      204,
    );
    expect(await roleOf(id, viewer.id)).toBeNull();
    expect((await api(viewer, 'GET', `/api/projects/${id}`)).status).toBe(404);
    expect((await api(admin, 'DELETE', `/api/projects/${id}/members/${viewer.id}`)).status).toBe(
      404,
    );
    expect((await auditEvents(id)).map((e) => e.event)).toContain('member_removed');
  });

  it('lets every member set their own failure alerts', async () => {
    const { id, viewer } = await project();
    const updated = await api(viewer, 'PATCH', `/api/projects/${id}/members/me`, {
      failure_alert: true,
      digest: 'daily',
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ failure_alert: true, digest: 'daily' });
    const bad = await api(viewer, 'PATCH', `/api/projects/${id}/members/me`, { digest: 'hourly' });
    expect(bad.body.errors).toEqual({ digest: ['must be never, daily, weekly or monthly'] });
  });
});
