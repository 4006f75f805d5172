// The one authorization policy: may this actor do this action in that project? Every route that
// touches a project's data asks here; the route × role matrix test walks every route against it.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import { ForbiddenError, NotFoundError } from '../http/errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ProjectRole = (typeof schema.PROJECT_ROLES)[number];

/** Roles in increasing power; a role may do everything the roles before it may. */
export const ROLE_ORDER: readonly ProjectRole[] = ['viewer', 'editor', 'admin', 'owner'];

/**
 * Every action on a project's data and the least role that may take it. Viewers read; editors
 * change workflows and runs; admins change the project, its members, its shared credentials and
 * its webhook auth methods; only the owner deletes the project or hands it over.
 */
export const PROJECT_ACTIONS = {
  'project:read': 'viewer',
  'workflow:read': 'viewer',
  'run:read': 'viewer',
  'dataclip:read': 'viewer',
  'credential:read': 'viewer',
  'members:read': 'viewer',
  'alerts:update_own': 'viewer',
  'collection:read': 'viewer',
  'workflow:write': 'editor',
  'run:create': 'editor',
  'run:retry': 'editor',
  'run:cancel': 'editor',
  'provision:write': 'editor',
  'collection:write': 'editor',
  'project:update': 'admin',
  'members:manage': 'admin',
  'credential:share': 'admin',
  'oauth_client:manage': 'admin',
  'webhook_auth:manage': 'admin',
  'collection:manage': 'admin',
  'project:delete': 'owner',
  'project:transfer': 'owner',
} as const satisfies Record<string, ProjectRole>;

export type ProjectAction = keyof typeof PROJECT_ACTIONS;

/**
 * Each project setting and the action that changes it, whichever way it is changed (`PATCH
 * /api/projects/:id` or a provisioning document): one table, so a document can never do more than
 * the REST call would. `requires_mfa` has one more rule (the caller must use MFA to turn it on),
 * checked with the other setting rules in projects.ts `checkProjectSettings`.
 */
export const PROJECT_SETTING_ACTIONS = {
  name: 'project:update',
  description: 'project:update',
  concurrency: 'project:update',
  retention_policy: 'project:update',
  history_retention_period: 'project:update',
  dataclip_retention_period: 'project:update',
  requires_mfa: 'project:update',
  allow_support_access: 'project:update',
} as const satisfies Record<string, ProjectAction>;

export type ProjectSetting = keyof typeof PROJECT_SETTING_ACTIONS;

/** The settings among `changed` that `role` may not change (empty when it may change them all). */
export function forbiddenSettings(
  role: ProjectRole | 'superuser',
  changed: readonly ProjectSetting[],
): ProjectSetting[] {
  if (role === 'superuser') return [];
  return changed.filter((field) => !roleAllows(role, PROJECT_SETTING_ACTIONS[field]));
}

export function roleAllows(role: ProjectRole, action: ProjectAction): boolean {
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(PROJECT_ACTIONS[action]);
}

/** The actor's role in a project, or null when they are not a member. */
export async function roleInProject(
  db: Database,
  userId: string,
  projectId: string,
): Promise<ProjectRole | null> {
  const [row] = await db
    .select({ role: schema.projectUsers.role })
    .from(schema.projectUsers)
    .where(
      and(eq(schema.projectUsers.userId, userId), eq(schema.projectUsers.projectId, projectId)),
    )
    .limit(1);
  return row?.role ?? null;
}

/**
 * Allows the action or throws. A project the actor does not belong to answers 404, like one that
 * does not exist, so ids cannot be probed; a member whose role is too low gets 403. Superusers
 * administer the instance and may act in every project. A project that requires multi-factor
 * authentication refuses (403) anyone, superusers included, whose account does not use it.
 */
export async function authorize(
  db: Database,
  actor: Actor,
  projectId: string,
  action: ProjectAction,
): Promise<ProjectRole | 'superuser'> {
  // Not a UUID: it cannot name a project (and must not reach the database as one).
  if (!UUID.test(projectId)) throw new NotFoundError(`Project ${projectId} not found`);
  const [row] = await db
    .select({ requiresMfa: schema.projects.requiresMfa, role: schema.projectUsers.role })
    .from(schema.projects)
    .leftJoin(
      schema.projectUsers,
      and(
        eq(schema.projectUsers.projectId, schema.projects.id),
        eq(schema.projectUsers.userId, actor.user.id),
      ),
    )
    .where(eq(schema.projects.id, projectId))
    .limit(1);
  const superuser = actor.user.role === 'superuser';
  if (!row || (!row.role && !superuser)) throw new NotFoundError(`Project ${projectId} not found`);
  if (row.requiresMfa && !actor.user.mfaEnabled) {
    throw new ForbiddenError(
      'This project requires multi-factor authentication: enable it on your account to continue',
    );
  }
  if (superuser) return 'superuser';
  const role = row.role!;
  if (!roleAllows(role, action)) {
    throw new ForbiddenError(
      `Your role in this project (${role}) may not do this; it needs ${PROJECT_ACTIONS[action]} or above`,
    );
  }
  return role;
}

/**
 * `authorize` for a resource inside a project (a run, a job, a dataclip…), given the project the
 * owning context found for it (null: no such resource). An unknown resource and a resource in a
 * project the actor does not belong to both answer the same 404 `notFound`.
 */
export async function authorizeResource(
  db: Database,
  actor: Actor,
  projectId: string | null,
  action: ProjectAction,
  notFound: string,
): Promise<string> {
  if (projectId === null) throw new NotFoundError(notFound);
  try {
    await authorize(db, actor, projectId, action);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(notFound);
    throw error;
  }
  return projectId;
}

/** The projects whose data an actor may list: their memberships, or every project for a superuser. */
export async function visibleProjectIds(db: Database, actor: Actor): Promise<string[] | 'all'> {
  if (actor.user.role === 'superuser') return 'all';
  const rows = await db
    .select({ projectId: schema.projectUsers.projectId, requiresMfa: schema.projects.requiresMfa })
    .from(schema.projectUsers)
    .innerJoin(schema.projects, eq(schema.projects.id, schema.projectUsers.projectId))
    .where(eq(schema.projectUsers.userId, actor.user.id));
  // Projects requiring MFA stay hidden from members without it, as `authorize` refuses them.
  return rows
    .filter((row) => !row.requiresMfa || actor.user.mfaEnabled)
    .map((row) => row.projectId);
}
