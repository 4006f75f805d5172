// Project members: list, add by email, change a role, remove, and each member's own failure-alert
// settings. Every change is recorded in the audit trail inside the same transaction.
//
// Rules (as in Lightning): a project has exactly one owner. Admins manage viewers, editors and
// admins but never the owner; only the owner (or a superuser) hands ownership to another member,
// who becomes the owner while the previous owner becomes an admin. The owner cannot be removed or
// demoted directly: they transfer ownership first.
import { and, asc, eq, sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../http/errors.js';
import { ASSIGNABLE_ROLES, DIGESTS } from './params.js';
import { authorize, type ProjectRole } from './policy.js';

const { projectUsers, users } = schema;

export interface MemberJson {
  user_id: string;
  email: string;
  first_name: string;
  last_name: string | null;
  role: ProjectRole;
  failure_alert: boolean;
  digest: string;
}

const memberColumns = {
  user_id: users.id,
  email: users.email,
  first_name: users.firstName,
  last_name: users.lastName,
  role: projectUsers.role,
  failure_alert: projectUsers.failureAlert,
  digest: projectUsers.digest,
};

export async function listMembers(db: Database, projectId: string): Promise<MemberJson[]> {
  const rows = await db
    .select(memberColumns)
    .from(projectUsers)
    .innerJoin(users, eq(users.id, projectUsers.userId))
    .where(eq(projectUsers.projectId, projectId))
    .orderBy(asc(users.email));
  return rows as MemberJson[];
}

async function getMember(
  db: Database,
  projectId: string,
  userId: string,
): Promise<MemberJson | null> {
  const [row] = await db
    .select(memberColumns)
    .from(projectUsers)
    .innerJoin(users, eq(users.id, projectUsers.userId))
    .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, userId)));
  return (row as MemberJson | undefined) ?? null;
}

function assignableRole(role: string, field = 'role'): (typeof ASSIGNABLE_ROLES)[number] {
  if ((ASSIGNABLE_ROLES as readonly string[]).includes(role)) {
    return role as (typeof ASSIGNABLE_ROLES)[number];
  }
  if (role === 'owner') {
    throw new ValidationError('A project has one owner', {
      [field]: [
        'cannot be owner here: add the person as a member, then the owner transfers ownership to them',
      ],
    });
  }
  throw new ValidationError('The role is not valid', {
    [field]: ['must be viewer, editor or admin'],
  });
}

/** Adds an existing user (by email) to the project with a role other than owner. */
export async function addMemberByEmail(
  db: Database,
  actor: Actor,
  projectId: string,
  input: { email: string; role: string },
): Promise<MemberJson> {
  const role = assignableRole(input.role);
  const email = input.email.trim().toLowerCase();
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.email}) = ${email}`);
    if (!user) {
      throw new ValidationError('No such user', {
        email: ['does not belong to anyone on this instance: they need to sign up first'],
      });
    }
    const inserted = await tx
      .insert(projectUsers)
      .values({ projectId, userId: user.id, role })
      .onConflictDoNothing()
      .returning({ id: projectUsers.id });
    if (inserted.length === 0) {
      throw new ValidationError('Already a member', {
        email: ['is already a member of this project'],
      });
    }
    await recordAuditEvent(tx, {
      event: 'member_added',
      itemType: 'project',
      itemId: projectId,
      projectId,
      actorId: actor.user.id,
      changes: { after: { user_id: user.id, email, role } },
    });
    return (await getMember(tx, projectId, user.id))!;
  });
}

/**
 * Changes a member's role. `owner` transfers ownership and needs `project:transfer` (the owner or a
 * superuser); the previous owner becomes an admin.
 */
export async function changeMemberRole(
  db: Database,
  actor: Actor,
  projectId: string,
  userId: string,
  newRole: string,
): Promise<MemberJson> {
  const transfer = newRole === 'owner';
  if (transfer) await authorize(db, actor, projectId, 'project:transfer');
  const role: ProjectRole = transfer ? 'owner' : assignableRole(newRole);
  return db.transaction(async (tx) => {
    const members = await tx
      .select({ userId: projectUsers.userId, role: projectUsers.role })
      .from(projectUsers)
      .where(eq(projectUsers.projectId, projectId))
      .for('update');
    const target = members.find((member) => member.userId === userId);
    if (!target) throw new NotFoundError(`User ${userId} is not a member of this project`);
    if (target.role === role) return (await getMember(tx, projectId, userId))!;
    if (target.role === 'owner') {
      throw new ValidationError('The owner keeps their role', {
        role: [
          'of the owner cannot be changed: the owner transfers ownership to another member, and becomes an admin',
        ],
      });
    }
    if (transfer) {
      const owner = members.find((member) => member.role === 'owner');
      // Demote first: one owner per project is a unique index.
      if (owner) {
        await tx
          .update(projectUsers)
          .set({ role: 'admin', updatedAt: sql`now()` })
          .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, owner.userId)));
      }
      await tx
        .update(projectUsers)
        .set({ role: 'owner', updatedAt: sql`now()` })
        .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, userId)));
      await recordAuditEvent(tx, {
        event: 'ownership_transferred',
        itemType: 'project',
        itemId: projectId,
        projectId,
        actorId: actor.user.id,
        changes: {
          before: { owner_id: owner?.userId ?? null, role: target.role },
          after: { owner_id: userId, previous_owner_role: 'admin' },
        },
      });
    } else {
      await tx
        .update(projectUsers)
        .set({ role, updatedAt: sql`now()` })
        .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, userId)));
      await recordAuditEvent(tx, {
        event: 'member_role_changed',
        itemType: 'project',
        itemId: projectId,
        projectId,
        actorId: actor.user.id,
        changes: { user_id: userId, before: { role: target.role }, after: { role } },
      });
    }
    return (await getMember(tx, projectId, userId))!;
  });
}

/** Removes a member other than the owner (the project keeps its one owner). */
export async function removeMember(
  db: Database,
  actor: Actor,
  projectId: string,
  userId: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [target] = await tx
      .select({ role: projectUsers.role, email: users.email })
      .from(projectUsers)
      .innerJoin(users, eq(users.id, projectUsers.userId))
      .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, userId)))
      .for('update', { of: projectUsers });
    if (!target) throw new NotFoundError(`User ${userId} is not a member of this project`);
    if (target.role === 'owner') {
      throw new ForbiddenError(
        'The owner cannot be removed: the owner transfers ownership to another member first',
      );
    }
    await tx
      .delete(projectUsers)
      .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, userId)));
    await recordAuditEvent(tx, {
      event: 'member_removed',
      itemType: 'project',
      itemId: projectId,
      projectId,
      actorId: actor.user.id,
      changes: { before: { user_id: userId, email: target.email, role: target.role } },
    });
  });
}

/** A member's own failure-alert settings in a project. */
export async function updateOwnAlerts(
  db: Database,
  actor: Actor,
  projectId: string,
  input: { failure_alert?: boolean; digest?: string },
): Promise<MemberJson> {
  if (input.digest !== undefined && !(DIGESTS as readonly string[]).includes(input.digest)) {
    throw new ValidationError('The alert settings are not valid', {
      digest: ['must be never, daily, weekly or monthly'],
    });
  }
  const set: Partial<typeof projectUsers.$inferInsert> = {};
  if (input.failure_alert !== undefined) set.failureAlert = input.failure_alert;
  if (input.digest !== undefined) set.digest = input.digest;
  const updated = await db
    .update(projectUsers)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, actor.user.id)))
    .returning({ id: projectUsers.id });
  if (updated.length === 0) {
    // A superuser may see a project without being a member: there is nothing of theirs to change.
    throw new ValidationError('Not a member', {
      user: ['only members of the project receive its failure alerts'],
    });
  }
  return (await getMember(db, projectId, actor.user.id))!;
}
