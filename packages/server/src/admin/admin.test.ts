// Instance administration and the audit-trail routes through a real server.
import { and, eq, or } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../accounts/tokens.js';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { testDatabaseUrl } from '../test-support/database.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { LAST_SUPERUSER } from './index.js';

let server: TestServer;
let db: Database;
let root: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  db = server.testDatabase.db;
  root = await createTestUser(db, { superuser: true, email: 'root@example.com' });
});
afterAll(async () => {
  await server?.close();
});

async function call(method: string, path: string, caller?: TestUser | string, body?: unknown) {
  const headers: Record<string, string> = {};
  const token = typeof caller === 'string' ? caller : caller?.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function createProject(name: string): Promise<string> {
  const [project] = await db
    .insert(schema.projects)
    .values({ name })
    .returning({ id: schema.projects.id });
  return project!.id;
}

const superuserCount = async () =>
  (
    await db
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(and(eq(schema.users.role, 'superuser'), eq(schema.users.disabled, false)))
  ).length;

describe('GET /api/admin/users', () => {
  it('lists every user with their project count and disabled flag, for superusers only', async () => {
    const projectA = await createProject('admin-list-a');
    const projectB = await createProject('admin-list-b');
    const member = await createTestUser(db, {
      email: 'member@example.com',
      projects: { [projectA]: 'editor', [projectB]: 'viewer' },
    });
    const response = await call('GET', '/api/admin/users', root);
    expect(response.status).toBe(200);
    const listed = response.body.data.find((u: { id: string }) => u.id === member.id);
    expect(listed).toEqual({
      id: member.id,
      email: 'member@example.com',
      first_name: 'Test',
      last_name: 'User',
      role: 'user',
      mfa_enabled: false,
      confirmed: true,
      inserted_at: expect.any(String),
      disabled: false,
      project_count: 2,
    });
    expect(JSON.stringify(response.body)).not.toMatch(/hashed_password|token/);

    expect((await call('GET', '/api/admin/users', member)).status).toBe(403);
    expect(await call('GET', '/api/admin/users')).toEqual({
      status: 401,
      body: { error: 'Unauthorized' },
    });
  });
});

describe('PATCH /api/admin/users/:id', () => {
  it('disables a user, ending their sessions and tokens, and enables them again', async () => {
    const user = await createTestUser(db);
    await issueToken(db, user.id, 'session');
    expect((await call('GET', '/api/tokens', user)).status).toBe(200);

    const disabled = await call('PATCH', `/api/admin/users/${user.id}`, root, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.data).toMatchObject({ id: user.id, disabled: true, role: 'user' });
    expect((await call('GET', '/api/tokens', user)).status).toBe(401);
    const left = await db
      .select()
      .from(schema.userTokens)
      .where(eq(schema.userTokens.userId, user.id));
    expect(left).toEqual([]);

    const enabled = await call('PATCH', `/api/admin/users/${user.id}`, root, { disabled: false });
    expect(enabled.body.data).toMatchObject({ disabled: false });
    // The old token stays revoked.
    expect((await call('GET', '/api/tokens', user)).status).toBe(401);

    const trail = await call('GET', '/api/admin/audit_events?page_size=200', root);
    const changes = trail.body.data
      .filter((e: { item_id: string }) => e.item_id === user.id)
      .map((e: { event: string; actor_email: string; changes: unknown }) => [
        e.event,
        e.actor_email,
        e.changes,
      ]);
    expect(changes).toEqual([
      [
        'updated',
        root.email,
        { before: { role: 'user', disabled: true }, after: { role: 'user', disabled: false } },
      ],
      [
        'updated',
        root.email,
        { before: { role: 'user', disabled: false }, after: { role: 'user', disabled: true } },
      ],
    ]);
  });

  it('never leaves the instance without an active superuser', async () => {
    const other = await createTestUser(db);
    // Whatever other tests did, make root the only active superuser.
    await db
      .update(schema.users)
      .set({ role: 'user' })
      .where(and(eq(schema.users.role, 'superuser')));
    await db.update(schema.users).set({ role: 'superuser' }).where(eq(schema.users.id, root.id));
    expect(await superuserCount()).toBe(1);

    const demote = await call('PATCH', `/api/admin/users/${root.id}`, root, { role: 'user' });
    expect(demote).toEqual({
      status: 422,
      body: { error: LAST_SUPERUSER, errors: { role: [LAST_SUPERUSER] } },
    });
    const disable = await call('PATCH', `/api/admin/users/${root.id}`, root, { disabled: true });
    expect(disable.status).toBe(422);
    expect(disable.body.errors).toEqual({ disabled: [LAST_SUPERUSER] });
    expect(await superuserCount()).toBe(1);
    expect((await call('GET', '/api/admin/users', root)).status).toBe(200);

    // With a second superuser, root may step down; then root is an ordinary user.
    const promoted = await call('PATCH', `/api/admin/users/${other.id}`, root, {
      role: 'superuser',
    });
    expect(promoted.body.data).toMatchObject({ role: 'superuser' });
    const stepDown = await call('PATCH', `/api/admin/users/${root.id}`, root, { role: 'user' });
    expect(stepDown.status).toBe(200);
    expect((await call('GET', '/api/admin/users', root)).status).toBe(403);
    // …and now the other one is the last: they may not disable themselves.
    const last = await call('PATCH', `/api/admin/users/${other.id}`, other, { disabled: true });
    expect(last.status).toBe(422);
    await call('PATCH', `/api/admin/users/${root.id}`, other, { role: 'superuser' });
  });

  it.skipIf(!testDatabaseUrl())(
    'refuses one of two superusers demoting themselves at the same moment (PostgreSQL: real concurrency)',
    async () => {
      const first = await createTestUser(db, { superuser: true });
      const second = await createTestUser(db, { superuser: true });
      await db.update(schema.users).set({ role: 'user' }).where(eq(schema.users.role, 'superuser'));
      await db
        .update(schema.users)
        .set({ role: 'superuser' })
        .where(or(eq(schema.users.id, first.id), eq(schema.users.id, second.id)));
      const answers = await Promise.all(
        [first, second].map((user) =>
          call('PATCH', `/api/admin/users/${user.id}`, user, { role: 'user' }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
      expect(await superuserCount()).toBe(1);
      // Give root back its role for the other tests.
      const remaining = answers[0]!.status === 422 ? first : second;
      await call('PATCH', `/api/admin/users/${root.id}`, remaining, { role: 'superuser' });
    },
  );

  it('answers 400 for malformed bodies, 422 for an unknown role and 404 for unknown users', async () => {
    const user = await createTestUser(db);
    const path = `/api/admin/users/${user.id}`;
    const wrongType = await call('PATCH', path, root, { disabled: 'yes' });
    expect(wrongType.status).toBe(400);
    expect(Object.keys(wrongType.body.errors)).toEqual(['disabled']);
    const unknownField = await call('PATCH', path, root, { email: 'x@example.com' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors).toEqual({ email: ['is not a known field'] });
    const badRole = await call('PATCH', path, root, { role: 'king' });
    expect(badRole.status).toBe(422);
    expect(badRole.body.errors).toEqual({ role: [expect.any(String)] });
    const [row] = await db.select().from(schema.users).where(eq(schema.users.id, user.id));
    expect(row).toMatchObject({ role: 'user', disabled: false });

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (await call('PATCH', `/api/admin/users/${unknown}`, root, { disabled: true })).status,
    ).toBe(404);
    expect((await call('PATCH', '/api/admin/users/nope', root, { disabled: true })).status).toBe(
      404,
    );
    expect((await call('PATCH', path, user, { role: 'superuser' })).status).toBe(403);
  });
});

describe('audit event routes', () => {
  it("show a project's trail to its admins, newest first in pages, and to nobody below admin", async () => {
    const projectId = await createProject('audited');
    const elsewhere = await createProject('not-audited');
    const admin = await createTestUser(db, { projects: { [projectId]: 'admin' } });
    const editor = await createTestUser(db, { projects: { [projectId]: 'editor' } });
    const outsider = await createTestUser(db, { projects: { [elsewhere]: 'owner' } });
    for (const event of ['member_added', 'member_role_changed', 'member_removed']) {
      await recordAuditEvent(db, {
        event,
        itemType: 'project',
        itemId: projectId,
        projectId,
        actorId: admin.id,
        changes: { user_id: editor.id },
      });
    }
    await recordAuditEvent(db, {
      event: 'member_added',
      itemType: 'project',
      itemId: elsewhere,
      projectId: elsewhere,
    });

    const path = `/api/projects/${projectId}/audit_events`;
    const first = await call('GET', `${path}?page_size=2`, admin);
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: { event: string }) => e.event)).toEqual([
      'member_removed',
      'member_role_changed',
    ]);
    expect(first.body.data[0]).toEqual({
      id: expect.any(String),
      event: 'member_removed',
      item_type: 'project',
      item_id: projectId,
      actor_id: admin.id,
      actor_type: 'user',
      actor_email: admin.email,
      project_id: projectId,
      changes: { user_id: editor.id },
      inserted_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
    });
    const second = await call(
      'GET',
      `${path}?page_size=2&cursor=${first.body.meta.next_cursor}`,
      admin,
    );
    expect(second.body.data.map((e: { event: string }) => e.event)).toEqual(['member_added']);
    expect(second.body.meta.next_cursor).toBeNull();

    expect((await call('GET', path, editor)).status).toBe(403);
    expect((await call('GET', path, outsider)).status).toBe(404);
    expect((await call('GET', path)).status).toBe(401);
    expect((await call('GET', `${path}?page_size=0`, admin)).status).toBe(400);
    expect((await call('GET', `${path}?cursor=bogus`, admin)).status).toBe(400);
    expect((await call('GET', '/api/projects/nope/audit_events', admin)).status).toBe(404);

    // The instance-wide trail: superusers only, and it includes both projects' events.
    const all = await call('GET', '/api/admin/audit_events?page_size=200', root);
    const projects = new Set(all.body.data.map((e: { project_id: string }) => e.project_id));
    expect(projects.has(projectId) && projects.has(elsewhere)).toBe(true);
    expect((await call('GET', '/api/admin/audit_events', admin)).status).toBe(403);
  });
});
