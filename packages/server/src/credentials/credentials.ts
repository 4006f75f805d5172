// Credentials: owned by a user, body encrypted by the vault, shared with projects through project
// credentials (which jobs point at). Only the owner (or a superuser) sees the body — masked — and
// changes it; members of a project it is shared with see its name, schema and owner.
import { and, asc, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, queryRows, schema } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import {
  ConflictError,
  ForbiddenError,
  HttpError,
  NotFoundError,
  ValidationError,
} from '../http/errors.js';
import { authorize, visibleProjectIds } from '../projects/index.js';
import type { Vault } from '../vault/index.js';
import { getWorkflow, updateWorkflow } from '../workflows/index.js';
import { type CredentialChanges, parseCredentialInput, requestedProjectIds } from './input.js';
import { toBytes } from './run-credentials.js';
import type { CredentialSchemas } from './schemas.js';
import { describePath, maskBody, restoreMasked, sensitiveValues } from './sensitive.js';

const { credentials, projectCredentials, users, projectUsers } = schema;

export interface CredentialDependencies {
  db: Database;
  vault: Vault;
  schemas: CredentialSchemas;
  /** MAX_CREDENTIAL_SENSITIVE_VALUES */
  maxSensitiveValues: number;
}

export interface ProjectCredentialLink {
  id: string;
  project_id: string;
}

export interface CredentialView {
  id: string;
  name: string;
  schema: string;
  production: boolean;
  owner_id: string;
  owner_email: string;
  /** Masked; only for the owner and superusers. */
  body?: Record<string, unknown>;
  /** The shares the caller may see (all of them for the owner). */
  project_credentials: ProjectCredentialLink[];
  /** OAuth credentials only: who issued the tokens and whether they still work. */
  oauth?: {
    provider: string;
    oauth_client_id: string | null;
    /** `authorized`, `reauthorization_required` (a refresh failed) or `revoked`. */
    status: string;
    /** Why a refresh failed (the provider's error code and description). */
    error: string | null;
  };
  inserted_at: string;
  updated_at: string;
}

/** A job that points at a credential (through a project credential), for in-use refusals. */
export interface CredentialUse {
  job_id: string;
  job_name: string;
  workflow_id: string;
  workflow_name: string;
  project_id: string;
}

type CredentialRow = typeof credentials.$inferSelect & { ownerEmail: string };

// ── Reading ──────────────────────────────────────────────────────────────────────────────────

export async function listCredentials(
  deps: CredentialDependencies,
  actor: Actor,
): Promise<CredentialView[]> {
  const { db } = deps;
  const visible = await visibleProjectIds(db, actor);
  // A superuser sees every shared credential; an unshared one stays its owner's business.
  const sharedWithVisible =
    visible === 'all'
      ? isNotNull(projectCredentials.id)
      : visible.length === 0
        ? sql`false`
        : inArray(projectCredentials.projectId, visible);
  const ids = await db
    .selectDistinct({ id: credentials.id })
    .from(credentials)
    .leftJoin(projectCredentials, eq(projectCredentials.credentialId, credentials.id))
    .where(or(eq(credentials.userId, actor.user.id), sharedWithVisible));
  if (ids.length === 0) return [];
  const rows = await selectCredentials(
    db,
    inArray(
      credentials.id,
      ids.map((row) => row.id),
    ),
  );
  const links = await linksOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toView(deps, actor, row, visible, links.get(row.id) ?? []));
}

export async function getCredential(
  deps: CredentialDependencies,
  actor: Actor,
  id: string,
): Promise<CredentialView> {
  const row = await loadForReading(deps.db, actor, id);
  const links = await linksOf(deps.db, [id]);
  return toView(deps, actor, row, await visibleProjectIds(deps.db, actor), links.get(id) ?? []);
}

export interface ProjectCredential {
  project_credential_id: string;
  credential_id: string;
  name: string;
  schema: string;
  owner_email: string;
}

/** A project's credentials, for any member (names only: no bodies here). */
export async function listProjectCredentials(
  db: Database,
  actor: Actor,
  projectId: string,
): Promise<ProjectCredential[]> {
  await authorize(db, actor, projectId, 'credential:read');
  return db
    .select({
      project_credential_id: projectCredentials.id,
      credential_id: credentials.id,
      name: credentials.name,
      schema: credentials.schema,
      owner_email: users.email,
    })
    .from(projectCredentials)
    .innerJoin(credentials, eq(credentials.id, projectCredentials.credentialId))
    .innerJoin(users, eq(users.id, credentials.userId))
    .where(eq(projectCredentials.projectId, projectId))
    .orderBy(asc(credentials.name), asc(projectCredentials.insertedAt));
}

// ── Writing ──────────────────────────────────────────────────────────────────────────────────

/**
 * Creates a credential from a request body. Sharing is authorized before anything else is
 * validated, so a viewer of a named project is told 403 rather than about their body's fields.
 */
export async function createCredential(
  deps: CredentialDependencies,
  actor: Actor,
  request: unknown,
): Promise<CredentialView> {
  const { db, vault } = deps;
  await authorizeSharing(db, actor, requestedProjectIds(request), 'project_ids');
  const input = parseCredentialInput(request);
  checkBody(deps, input.schema, input.body);
  const id = await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    await checkNameFree(tx, actor.user.id, input.name);
    const [row] = await tx
      .insert(credentials)
      .values({
        userId: actor.user.id,
        name: input.name,
        schema: input.schema,
        body: vault.encryptJson(input.body),
        production: input.production,
      })
      .returning({ id: credentials.id });
    for (const projectId of input.projectIds) {
      await tx.insert(projectCredentials).values({ projectId, credentialId: row!.id });
    }
    await recordAuditEvent(tx, {
      event: 'created',
      itemType: 'credential',
      itemId: row!.id,
      actorId: actor.user.id,
      changes: {
        after: { name: input.name, schema: input.schema, project_ids: input.projectIds },
      },
    });
    for (const projectId of input.projectIds) {
      await recordAuditEvent(tx, {
        event: 'added_to_project',
        itemType: 'credential',
        itemId: row!.id,
        actorId: actor.user.id,
        projectId,
        changes: { project_id: projectId },
      });
    }
    return row!.id;
  });
  return getCredential(deps, actor, id);
}

/**
 * Changes name, production flag or body. A sensitive value sent back as the mask keeps the saved
 * value, so a client can return the body it read with only the fields it changed.
 */
export async function updateCredential(
  deps: CredentialDependencies,
  actor: Actor,
  id: string,
  changes: CredentialChanges,
): Promise<CredentialView> {
  const { db, vault } = deps;
  const row = await loadForWriting(db, actor, id);
  let body: Record<string, unknown> | undefined;
  if (changes.body && row.oauthProvider) {
    throw new ValidationError('The credential is not valid', {
      body: ["is the provider's token set of an OAuth credential: reauthorise it instead"],
    });
  }
  if (changes.body) {
    const saved = vault.decryptJson<Record<string, unknown>>(toBytes(row.body));
    const restored = restoreMasked(changes.body, saved, deps.schemas.sensitivity(row.schema));
    if (restored.unknownMasks.length > 0) {
      throw new ValidationError(
        'The credential is not valid',
        Object.fromEntries(
          restored.unknownMasks.map((path) => [
            describePath(path),
            ['is the mask of a value that was never saved: send the value itself'],
          ]),
        ),
      );
    }
    body = restored.body;
    checkBody(deps, row.schema, body);
  }
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    if (changes.name !== undefined && changes.name !== row.name) {
      await checkNameFree(tx, row.userId, changes.name);
    }
    await tx
      .update(credentials)
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.production !== undefined ? { production: changes.production } : {}),
        ...(body ? { body: vault.encryptJson(body) } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(credentials.id, id));
    await recordAuditEvent(tx, {
      event: 'updated',
      itemType: 'credential',
      itemId: id,
      actorId: actor.user.id,
      changes: {
        before: { name: row.name, production: row.production },
        after: {
          name: changes.name ?? row.name,
          production: changes.production ?? row.production,
          body_changed: body !== undefined,
        },
      },
    });
  });
  return getCredential(deps, actor, id);
}

/**
 * Deletes a credential. One that jobs use is refused (409, naming the jobs) unless `force`: then it
 * is first detached from those jobs, each workflow saved as a new version (and snapshot) without it.
 */
export async function deleteCredential(
  deps: CredentialDependencies,
  actor: Actor,
  id: string,
  { force = false } = {},
): Promise<void> {
  const { db } = deps;
  const row = await loadForWriting(db, actor, id);
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const uses = await credentialUses(tx, { credentialId: id });
    if (uses.length > 0 && !force) throw inUse(`Credential "${row.name}"`, uses);
    await detachFromJobs(tx, uses);
    await tx.delete(credentials).where(eq(credentials.id, id));
    await recordAuditEvent(tx, {
      event: 'deleted',
      itemType: 'credential',
      itemId: id,
      actorId: actor.user.id,
      changes: { before: { name: row.name }, detached_jobs: uses.map((use) => use.job_id) },
    });
  });
}

/**
 * Hands the credential to another user. They must be a member of every project it is shared
 * with, or the jobs there would use a credential of a stranger: refused, naming the projects.
 */
export async function transferCredential(
  deps: CredentialDependencies,
  actor: Actor,
  id: string,
  { email }: { email: string },
): Promise<TransferredCredential> {
  const { db } = deps;
  const row = await loadForWriting(db, actor, id);
  const [target] = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  if (!target)
    throw new ValidationError('No such user', { email: ['is not a user of this instance'] });
  if (target.id === row.userId) {
    throw new ValidationError('Already the owner', { email: ['already owns this credential'] });
  }
  const missing = await queryRows<{ id: string; name: string }>(
    db,
    sql`SELECT p.id::text AS id, p.name FROM project_credentials pc
        JOIN projects p ON p.id = pc.project_id
        WHERE pc.credential_id = ${id}
          AND NOT EXISTS (SELECT 1 FROM project_users pu
                          WHERE pu.project_id = pc.project_id AND pu.user_id = ${target.id})
        ORDER BY p.name`,
  );
  if (missing.length > 0) {
    throw new ValidationError(
      `${target.email} is not a member of every project this credential is shared with: ${missing
        .map((project) => project.name)
        .join(', ')}`,
      { email: [`is not a member of ${missing.map((project) => project.name).join(', ')}`] },
    );
  }
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    await checkNameFree(tx, target.id, row.name, 'email');
    await tx
      .update(credentials)
      .set({ userId: target.id, transferStatus: 'completed', updatedAt: sql`now()` })
      .where(eq(credentials.id, id));
    await recordAuditEvent(tx, {
      event: 'transferred',
      itemType: 'credential',
      itemId: id,
      actorId: actor.user.id,
      changes: { before: { owner_id: row.userId }, after: { owner_id: target.id } },
    });
  });
  // The former owner may no longer be able to read the credential: answer with what changed.
  return { id, name: row.name, schema: row.schema, owner_id: target.id, owner_email: target.email };
}

export type TransferredCredential = Pick<
  CredentialView,
  'id' | 'name' | 'schema' | 'owner_id' | 'owner_email'
>;

/** Shares the credential with a project: its owner does it, and must be an admin there. */
export async function shareCredential(
  deps: CredentialDependencies,
  actor: Actor,
  id: string,
  projectId: string,
): Promise<ProjectCredentialLink> {
  const { db } = deps;
  await loadForWriting(db, actor, id);
  await authorizeSharing(db, actor, [projectId], 'project_id');
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [existing] = await tx
      .select({ id: projectCredentials.id })
      .from(projectCredentials)
      .where(
        and(eq(projectCredentials.credentialId, id), eq(projectCredentials.projectId, projectId)),
      );
    if (existing) return { id: existing.id, project_id: projectId };
    const [link] = await tx
      .insert(projectCredentials)
      .values({ projectId, credentialId: id })
      .returning({ id: projectCredentials.id });
    await recordAuditEvent(tx, {
      event: 'added_to_project',
      itemType: 'credential',
      itemId: id,
      actorId: actor.user.id,
      projectId,
      changes: { project_id: projectId },
    });
    return { id: link!.id, project_id: projectId };
  });
}

/**
 * Removes a credential from a project: a project admin may (whoever owns the credential), as may
 * the owner when they are an admin there. Jobs of the project using it: 409 unless `force`.
 */
export async function unshareCredential(
  deps: CredentialDependencies,
  actor: Actor,
  id: string,
  projectId: string,
  { force = false } = {},
): Promise<void> {
  const { db } = deps;
  await authorize(db, actor, projectId, 'credential:share');
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [link] = await tx
      .select({ id: projectCredentials.id, name: credentials.name })
      .from(projectCredentials)
      .innerJoin(credentials, eq(credentials.id, projectCredentials.credentialId))
      .where(
        and(eq(projectCredentials.credentialId, id), eq(projectCredentials.projectId, projectId)),
      );
    if (!link) throw new NotFoundError(`Credential ${id} is not shared with project ${projectId}`);
    const uses = await credentialUses(tx, { projectCredentialId: link.id });
    if (uses.length > 0 && !force) throw inUse(`Credential "${link.name}" in this project`, uses);
    await detachFromJobs(tx, uses);
    await tx.delete(projectCredentials).where(eq(projectCredentials.id, link.id));
    await recordAuditEvent(tx, {
      event: 'removed_from_project',
      itemType: 'credential',
      itemId: id,
      actorId: actor.user.id,
      projectId,
      changes: { project_id: projectId, detached_jobs: uses.map((use) => use.job_id) },
    });
  });
}

// ── Rules ────────────────────────────────────────────────────────────────────────────────────

/**
 * The schema exists, the body matches it, and it holds no more sensitive values than
 * MAX_CREDENTIAL_SENSITIVE_VALUES (each non-empty string or number at a sensitive path counts).
 */
function checkBody(
  deps: CredentialDependencies,
  schemaName: string,
  body: Record<string, unknown>,
) {
  const { schemas, maxSensitiveValues } = deps;
  if (!schemas.has(schemaName)) {
    throw new ValidationError(`Unknown credential schema "${schemaName}"`, {
      schema: [
        `"${schemaName}" is not a credential schema; known: ${schemas
          .list()
          .map((s) => s.name)
          .join(', ')}`,
      ],
    });
  }
  const errors = schemas.validate(schemaName, body);
  if (errors) throw new ValidationError(`The body does not match the ${schemaName} schema`, errors);
  const count = sensitiveValues(body, schemas.sensitivity(schemaName)).length;
  if (count > maxSensitiveValues) {
    throw new ValidationError(
      `The credential holds ${count} sensitive values; MAX_CREDENTIAL_SENSITIVE_VALUES allows ${maxSensitiveValues}`,
      {
        body: [
          `holds ${count} sensitive values, more than MAX_CREDENTIAL_SENSITIVE_VALUES (${maxSensitiveValues})`,
        ],
      },
    );
  }
}

export async function checkNameFree(tx: Database, userId: string, name: string, field = 'name') {
  const [clash] = await tx
    .select({ id: credentials.id })
    .from(credentials)
    .where(and(eq(credentials.userId, userId), eq(credentials.name, name)));
  if (clash) {
    throw new ValidationError('The credential is not valid', {
      [field]:
        field === 'name'
          ? ['has already been taken by another of your credentials']
          : [`the new owner already has a credential named "${name}"`],
    });
  }
}

/** The actor must be allowed to share credentials (admin) in every one of the projects. */
export async function authorizeSharing(
  db: Database,
  actor: Actor,
  projectIds: string[],
  field: string,
) {
  for (const projectId of projectIds) {
    try {
      await authorize(db, actor, projectId, 'credential:share');
    } catch (error) {
      if (error instanceof ForbiddenError) {
        throw new ForbiddenError(
          `${field}: only admins of project ${projectId} may share credentials with it (${error.message})`,
        );
      }
      if (error instanceof HttpError) {
        throw new NotFoundError(`${field}: project ${projectId} not found`);
      }
      throw error;
    }
  }
}

/** The owner and superusers write; members of a shared project read (403 to write); others 404. */
export async function loadForWriting(
  db: Database,
  actor: Actor,
  id: string,
): Promise<CredentialRow> {
  const row = await loadForReading(db, actor, id);
  if (row.userId !== actor.user.id && actor.user.role !== 'superuser') {
    throw new ForbiddenError('Only the owner of a credential may change it');
  }
  return row;
}

async function loadForReading(db: Database, actor: Actor, id: string): Promise<CredentialRow> {
  const [row] = await selectCredentials(db, eq(credentials.id, id));
  if (!row) throw new NotFoundError(`Credential ${id} not found`);
  if (row.userId === actor.user.id || actor.user.role === 'superuser') return row;
  const [member] = await db
    .select({ projectId: projectUsers.projectId })
    .from(projectUsers)
    .innerJoin(projectCredentials, eq(projectCredentials.projectId, projectUsers.projectId))
    .where(and(eq(projectUsers.userId, actor.user.id), eq(projectCredentials.credentialId, id)))
    .limit(1);
  if (!member) throw new NotFoundError(`Credential ${id} not found`);
  return row;
}

async function selectCredentials(
  db: Database,
  where: ReturnType<typeof eq>,
): Promise<CredentialRow[]> {
  const rows = await db
    .select({ credential: credentials, ownerEmail: users.email })
    .from(credentials)
    .innerJoin(users, eq(users.id, credentials.userId))
    .where(where)
    .orderBy(asc(credentials.name), asc(credentials.insertedAt));
  return rows.map((row) => ({ ...row.credential, ownerEmail: row.ownerEmail }));
}

/** The project credentials of each credential, in the order they were shared. */
async function linksOf(
  db: Database,
  credentialIds: string[],
): Promise<Map<string, ProjectCredentialLink[]>> {
  const rows = await db
    .select({
      credentialId: projectCredentials.credentialId,
      id: projectCredentials.id,
      project_id: projectCredentials.projectId,
    })
    .from(projectCredentials)
    .where(inArray(projectCredentials.credentialId, credentialIds))
    .orderBy(asc(projectCredentials.insertedAt));
  const links = new Map<string, ProjectCredentialLink[]>();
  for (const { credentialId, ...link } of rows) {
    links.set(credentialId, [...(links.get(credentialId) ?? []), link]);
  }
  return links;
}

function toView(
  deps: CredentialDependencies,
  actor: Actor,
  row: CredentialRow,
  visible: string[] | 'all',
  links: ProjectCredentialLink[],
): CredentialView {
  const isOwner = row.userId === actor.user.id || actor.user.role === 'superuser';
  const view: CredentialView = {
    id: row.id,
    name: row.name,
    schema: row.schema,
    production: row.production,
    owner_id: row.userId,
    owner_email: row.ownerEmail,
    project_credentials:
      isOwner || visible === 'all'
        ? links
        : links.filter((link) => visible.includes(link.project_id)),
    inserted_at: row.insertedAt,
    updated_at: row.updatedAt,
  };
  if (row.oauthProvider) {
    view.oauth = {
      provider: row.oauthProvider,
      oauth_client_id: row.oauthClientId,
      status: row.oauthStatus ?? 'authorized',
      error: row.oauthError,
    };
  }
  if (isOwner) {
    const body = deps.vault.decryptJson<Record<string, unknown>>(toBytes(row.body));
    view.body = maskBody(body, deps.schemas.sensitivity(row.schema));
  }
  return view;
}

async function credentialUses(
  tx: Database,
  target: { credentialId: string } | { projectCredentialId: string },
): Promise<CredentialUse[]> {
  const condition =
    'credentialId' in target
      ? sql`pc.credential_id = ${target.credentialId}`
      : sql`pc.id = ${target.projectCredentialId}`;
  return queryRows<CredentialUse & Record<string, unknown>>(
    tx,
    sql`SELECT j.id::text AS job_id, j.name AS job_name, w.id::text AS workflow_id,
               w.name AS workflow_name, w.project_id::text AS project_id
        FROM jobs j
        JOIN workflows w ON w.id = j.workflow_id
        JOIN project_credentials pc ON pc.id = j.project_credential_id
        WHERE ${condition} AND w.deleted_at IS NULL
        ORDER BY w.name, j.name`,
  );
}

function inUse(what: string, uses: CredentialUse[]): ConflictError {
  const names = uses.map((use) => `${use.workflow_name} / ${use.job_name}`).join(', ');
  return new ConflictError(
    `${what} is used by ${uses.length} job${uses.length === 1 ? '' : 's'}: ${names}. Detach it from them first, or repeat with ?force=true to detach it.`,
    { jobs: uses },
  );
}

/** Saves each workflow as a new version with the jobs' credential removed (new snapshot too). */
async function detachFromJobs(tx: Database, uses: CredentialUse[]): Promise<void> {
  const byWorkflow = new Map<string, Set<string>>();
  for (const use of uses) {
    byWorkflow.set(use.workflow_id, (byWorkflow.get(use.workflow_id) ?? new Set()).add(use.job_id));
  }
  for (const [workflowId, jobIds] of byWorkflow) {
    const workflow = await getWorkflow(tx, workflowId);
    await updateWorkflow(tx, workflowId, {
      ...workflow,
      jobs: workflow.jobs.map((job) =>
        jobIds.has(job.id) ? { ...job, project_credential_id: null } : job,
      ),
    });
  }
}
