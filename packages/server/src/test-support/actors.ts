// Users, memberships and credentials-to-call-the-API for tests: rows written directly, so any test
// can act as "an editor of project P" without going through sign-up.
import { randomUUID } from 'node:crypto';
import { issueToken } from '../accounts/tokens.js';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import type { ProjectRole } from '../projects/policy.js';

export interface TestUser {
  id: string;
  email: string;
  /** A personal access token for `Authorization: Bearer`. */
  token: string;
  /** `{ authorization: 'Bearer …' }`, ready for fetch or app.inject. */
  headers: { authorization: string };
}

export interface TestUserOptions {
  email?: string;
  superuser?: boolean;
  /** Memberships to create: project id → role. */
  projects?: Record<string, ProjectRole>;
}

export async function createTestUser(
  db: Database,
  options: TestUserOptions = {},
): Promise<TestUser> {
  const email = options.email ?? `user-${randomUUID().slice(0, 8)}@example.com`;
  const [user] = await db
    .insert(schema.users)
    .values({
      firstName: 'Test',
      lastName: 'User',
      email,
      role: options.superuser ? 'superuser' : 'user',
      confirmedAt: new Date(),
    })
    .returning({ id: schema.users.id });
  for (const [projectId, role] of Object.entries(options.projects ?? {})) {
    await db.insert(schema.projectUsers).values({ projectId, userId: user!.id, role });
  }
  const { token } = await issueToken(db, user!.id, 'api', { name: 'test' });
  return { id: user!.id, email, token, headers: { authorization: `Bearer ${token}` } };
}

/** Adds (or changes) a user's role in a project. */
export async function addMember(
  db: Database,
  projectId: string,
  userId: string,
  role: ProjectRole,
): Promise<void> {
  await db
    .insert(schema.projectUsers)
    .values({ projectId, userId, role })
    .onConflictDoUpdate({
      target: [schema.projectUsers.projectId, schema.projectUsers.userId],
      set: { role },
    });
}
