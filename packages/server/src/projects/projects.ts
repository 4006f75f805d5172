// Projects: create (the creator becomes the owner), list what an actor may see, show, change the
// settings, delete. Routes authorize first (policy.ts); these functions do the work.
import { and, asc, eq, sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { executeCount, schema } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import { emptyFieldErrors, NotFoundError, ValidationError } from '../http/errors.js';
import {
  addError,
  checkDescription,
  checkName,
  type FieldErrors,
  isRetentionPolicy,
  RETENTION_PERIODS,
} from './params.js';
import type { ProjectRole } from './policy.js';

const { projects, projectUsers } = schema;

type ProjectRow = typeof projects.$inferSelect;

export interface ProjectJson {
  id: string;
  name: string;
  description: string | null;
  /** The caller's role; null for a superuser who is not a member. */
  role: ProjectRole | null;
  concurrency: number | null;
  retention_policy: string;
  history_retention_period: number | null;
  dataclip_retention_period: number | null;
  requires_mfa: boolean;
  inserted_at: string;
  updated_at: string;
}

export function projectJson(row: ProjectRow, role: ProjectRole | null): ProjectJson {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    role,
    concurrency: row.concurrency,
    retention_policy: row.retentionPolicy,
    history_retention_period: row.historyRetentionPeriod,
    dataclip_retention_period: row.dataclipRetentionPeriod,
    requires_mfa: row.requiresMfa,
    inserted_at: new Date(row.insertedAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/** The actor's projects with their role, by name; a superuser sees every project. */
export async function listProjects(db: Database, actor: Actor): Promise<ProjectJson[]> {
  const rows = await db
    .select({ project: projects, role: projectUsers.role })
    .from(projects)
    [actor.user.role === 'superuser' ? 'leftJoin' : 'innerJoin'](
      projectUsers,
      and(eq(projectUsers.projectId, projects.id), eq(projectUsers.userId, actor.user.id)),
    )
    .orderBy(asc(projects.name), asc(projects.id));
  return rows.map((row) => projectJson(row.project, row.role ?? null));
}

export async function getProject(
  db: Database,
  actor: Actor,
  projectId: string,
): Promise<ProjectJson> {
  const [row] = await db
    .select({ project: projects, role: projectUsers.role })
    .from(projects)
    .leftJoin(
      projectUsers,
      and(eq(projectUsers.projectId, projects.id), eq(projectUsers.userId, actor.user.id)),
    )
    .where(eq(projects.id, projectId));
  if (!row) throw new NotFoundError(`Project ${projectId} not found`);
  return projectJson(row.project, row.role ?? null);
}

/** A new project owned by the actor. */
export async function createProject(
  db: Database,
  actor: Actor,
  input: { name: string; description?: string | null },
): Promise<ProjectJson> {
  const errors: FieldErrors = emptyFieldErrors();
  const name = input.name.trim();
  checkName(errors, name);
  checkDescription(errors, input.description);
  if (Object.keys(errors).length > 0) {
    throw new ValidationError('The project is not valid', errors);
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(projects)
      .values({ name, description: input.description ?? null })
      .returning();
    await tx
      .insert(projectUsers)
      .values({ projectId: row!.id, userId: actor.user.id, role: 'owner' });
    await recordAuditEvent(tx, {
      event: 'project_created',
      itemType: 'project',
      itemId: row!.id,
      projectId: row!.id,
      actorId: actor.user.id,
      changes: { after: { name, owner_id: actor.user.id } },
    });
    return projectJson(row!, 'owner');
  });
}

export interface ProjectSettingsInput {
  name?: string;
  description?: string | null;
  concurrency?: number | null;
  retention_policy?: string;
  history_retention_period?: number | null;
  dataclip_retention_period?: number | null;
  requires_mfa?: boolean;
}

/**
 * Changes a project's settings. Retention periods are 7, 14, 30, 90, 180 or 365 days; dataclips
 * may not be kept longer than history; without a history period, or with the `erase_all` policy,
 * no dataclip period applies (it is cleared, as in Lightning).
 */
export async function updateProject(
  db: Database,
  actor: Actor,
  projectId: string,
  input: ProjectSettingsInput,
): Promise<ProjectJson> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(projects)
      .where(eq(projects.id, projectId))
      .for('update');
    if (!current) throw new NotFoundError(`Project ${projectId} not found`);
    const { changes, errors } = checkProjectSettings(current, input, actor.user);
    if (Object.keys(errors).length > 0) {
      throw new ValidationError('The project settings are not valid; nothing was changed', errors);
    }
    const [row] = await tx
      .update(projects)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(projects.id, projectId))
      .returning();
    const [membership] = await tx
      .select({ role: projectUsers.role })
      .from(projectUsers)
      .where(and(eq(projectUsers.projectId, projectId), eq(projectUsers.userId, actor.user.id)));
    return projectJson(row!, membership?.role ?? null);
  });
}

/**
 * The rules of a project settings change, shared by `PATCH /api/projects/:id` and provisioning so
 * both apply exactly one policy: the checked changes (in column names) and every rule broken.
 * `requires_mfa` may only be turned on by someone who uses MFA themselves (else they would lock
 * themselves and others out).
 */
export function checkProjectSettings(
  current: ProjectRow,
  input: ProjectSettingsInput,
  caller: { mfaEnabled: boolean },
): { changes: Partial<typeof projects.$inferInsert>; errors: FieldErrors } {
  const errors: FieldErrors = emptyFieldErrors();
  const changes: Partial<typeof projects.$inferInsert> = {};
  if (input.name !== undefined) {
    const name = input.name.trim();
    checkName(errors, name);
    changes.name = name;
  }
  if (input.description !== undefined) {
    checkDescription(errors, input.description);
    changes.description = input.description;
  }
  if (input.concurrency !== undefined) {
    if (input.concurrency !== null && input.concurrency < 1) {
      addError(errors, 'concurrency', 'must be at least 1 (or null for no limit)');
    }
    changes.concurrency = input.concurrency;
  }
  if (input.retention_policy !== undefined) {
    if (isRetentionPolicy(input.retention_policy)) changes.retentionPolicy = input.retention_policy;
    else {
      addError(errors, 'retention_policy', 'must be retain_all, retain_with_errors or erase_all');
    }
  }
  for (const field of ['history_retention_period', 'dataclip_retention_period'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null && !(RETENTION_PERIODS as readonly number[]).includes(value)) {
      addError(errors, field, 'must be one of 7, 14, 30, 90, 180, 365 (days) or null');
    }
  }
  if (input.history_retention_period !== undefined) {
    changes.historyRetentionPeriod = input.history_retention_period;
  }
  if (input.dataclip_retention_period !== undefined) {
    changes.dataclipRetentionPeriod = input.dataclip_retention_period;
  }
  if (input.requires_mfa !== undefined) {
    if (input.requires_mfa && !current.requiresMfa && !caller.mfaEnabled) {
      addError(
        errors,
        'requires_mfa',
        'can only be turned on by someone who uses multi-factor authentication: enable it on your account first',
      );
    }
    changes.requiresMfa = input.requires_mfa;
  }
  const merged = { ...current, ...changes };
  if (
    !errors.history_retention_period &&
    !errors.dataclip_retention_period &&
    merged.historyRetentionPeriod != null &&
    merged.dataclipRetentionPeriod != null &&
    merged.dataclipRetentionPeriod > merged.historyRetentionPeriod
  ) {
    addError(
      errors,
      'dataclip_retention_period',
      'must not be longer than history_retention_period',
    );
  }
  if (merged.historyRetentionPeriod == null || merged.retentionPolicy === 'erase_all') {
    changes.dataclipRetentionPeriod = null;
  }
  return { changes, errors };
}

/**
 * Deletes a project and everything in it: workflows, work orders, runs, dataclips, members. Steps
 * belong to runs only through run_steps, so they go first.
 */
export async function deleteProject(db: Database, actor: Actor, projectId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [project] = await tx
      .select({ id: projects.id, name: projects.name })
      .from(projects)
      .where(eq(projects.id, projectId))
      .for('update');
    if (!project) throw new NotFoundError(`Project ${projectId} not found`);
    await executeCount(
      tx,
      sql`DELETE FROM steps WHERE id IN (
            SELECT rs.step_id FROM run_steps rs
            JOIN runs r ON r.id = rs.run_id
            JOIN workflows w ON w.id = r.workflow_id
            WHERE w.project_id = ${projectId})`,
    );
    await executeCount(
      tx,
      sql`DELETE FROM work_orders WHERE workflow_id IN (
            SELECT id FROM workflows WHERE project_id = ${projectId})`,
    );
    await tx.delete(projects).where(eq(projects.id, projectId));
    await recordAuditEvent(tx, {
      event: 'project_deleted',
      itemType: 'project',
      itemId: projectId,
      projectId,
      actorId: actor.user.id,
      changes: { before: { name: project.name } },
    });
  });
}
