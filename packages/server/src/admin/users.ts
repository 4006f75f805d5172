// Instance administration of users (superusers only): the list of every user with their project
// count, and disabling/enabling or promoting/demoting one. The instance always keeps at least one
// active superuser, so nobody can lock every administrator out. Disabling a user ends their
// sessions and revokes their tokens at once; every change is in the audit trail.
import { and, asc, count, eq, or } from 'drizzle-orm';
import { type UserJson, userJson } from '../accounts/index.js';
import { recordAuditEvent } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { NotFoundError, ValidationError } from '../http/errors.js';

export type AdminUserJson = UserJson & { disabled: boolean; project_count: number };

export const LAST_SUPERUSER =
  'The instance needs at least one active superuser: make another user superuser first';

const users = schema.users;

const adminUserColumns = {
  id: users.id,
  email: users.email,
  firstName: users.firstName,
  lastName: users.lastName,
  role: users.role,
  mfaEnabled: users.mfaEnabled,
  confirmedAt: users.confirmedAt,
  insertedAt: users.insertedAt,
  disabled: users.disabled,
  projectCount: count(schema.projectUsers.id),
};

async function selectAdminUsers(db: Database, userId?: string): Promise<AdminUserJson[]> {
  const rows = await db
    .select(adminUserColumns)
    .from(users)
    .leftJoin(schema.projectUsers, eq(schema.projectUsers.userId, users.id))
    .where(userId ? eq(users.id, userId) : undefined)
    .groupBy(users.id)
    .orderBy(asc(users.email));
  return rows.map(({ disabled, projectCount, ...user }) => ({
    ...userJson(user),
    disabled,
    project_count: Number(projectCount),
  }));
}

/** Every user of the instance, by email. */
export function listUsers(db: Database): Promise<AdminUserJson[]> {
  return selectAdminUsers(db);
}

export interface UserChanges {
  disabled?: boolean;
  role?: 'user' | 'superuser';
}

/**
 * Applies a superuser's change to a user. 404 for an unknown user; 422 (at the field changed) when
 * it would leave the instance without an active superuser — which is only ever the case for the
 * last one acting on themself, since the acting superuser is active.
 */
export async function updateUser(
  db: Database,
  options: { actorId: string; userId: string; changes: UserChanges },
): Promise<AdminUserJson> {
  const { actorId, userId, changes } = options;
  await db.transaction(async (tx) => {
    // One statement locks the user and every active superuser, in id order. Two superusers
    // demoting each other at the same moment thus queue on the same rows in the same order (no
    // deadlock), and the second one, once the first commits, sees it and is refused.
    const locked = await tx
      .select({ id: users.id, role: users.role, disabled: users.disabled })
      .from(users)
      .where(or(eq(users.id, userId), and(eq(users.role, 'superuser'), eq(users.disabled, false))))
      .orderBy(asc(users.id))
      .for('update');
    const before = locked.find((row) => row.id === userId);
    if (!before) throw new NotFoundError(`User ${userId} not found`);
    const after = {
      role: changes.role ?? before.role,
      disabled: changes.disabled ?? before.disabled,
    };
    if (after.role === before.role && after.disabled === before.disabled) return;

    const wasActiveSuperuser = before.role === 'superuser' && !before.disabled;
    const staysActiveSuperuser = after.role === 'superuser' && !after.disabled;
    const otherActiveSuperusers = locked.filter(
      (row) => row.id !== userId && row.role === 'superuser' && !row.disabled,
    );
    if (wasActiveSuperuser && !staysActiveSuperuser && otherActiveSuperusers.length === 0) {
      const field = after.disabled ? 'disabled' : 'role';
      throw new ValidationError(LAST_SUPERUSER, { [field]: [LAST_SUPERUSER] });
    }

    await tx
      .update(users)
      .set({ role: after.role, disabled: after.disabled, updatedAt: new Date().toISOString() })
      .where(eq(users.id, userId));
    if (after.disabled && !before.disabled) {
      // Sessions, personal access tokens and pending email links all stop working now.
      await tx.delete(schema.userTokens).where(eq(schema.userTokens.userId, userId));
    }
    await recordAuditEvent(tx, {
      event: 'updated',
      itemType: 'user',
      itemId: userId,
      actorId,
      changes: { before: { role: before.role, disabled: before.disabled }, after },
    });
  });
  const [user] = await selectAdminUsers(db, userId);
  return user!;
}
