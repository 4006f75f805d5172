// Generic OAuth clients (Lightning's `oauth_clients`): an administrator registers a provider's
// authorization, token, user-info and revocation endpoints with a client id and secret, and
// credentials are then bound to one. A client is instance-wide (project_id null: superusers manage
// it, every signed-in user may use it) or one project's (its admins manage it, its members use it).
// The secret is vault ciphertext and never leaves the server: answers carry the mask instead.
import { and, asc, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, schema } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { authorize, visibleProjectIds } from '../projects/index.js';
import type { Vault } from '../vault/index.js';
import {
  type OAuthClientChanges,
  parseOAuthClientChanges,
  parseOAuthClientInput,
} from './oauth-client-input.js';
import { MASK } from './sensitive.js';

const { oauthClients, credentials } = schema;

type OAuthClientRow = typeof oauthClients.$inferSelect;

export interface OAuthClientView {
  id: string;
  name: string;
  /** null: instance-wide. */
  project_id: string | null;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string | null;
  revocation_endpoint: string | null;
  client_id: string;
  /** Always the mask: the secret is write-only. */
  client_secret: typeof MASK;
  scopes: string[];
  inserted_at: string;
  updated_at: string;
}

/** What the OAuth flows need of a client, secret decrypted (server-side only). */
export interface OAuthClientSecrets {
  id: string;
  name: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint: string | null;
  revocationEndpoint: string | null;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

export async function listOAuthClients(
  db: Database,
  actor: Actor,
  projectId?: string,
): Promise<OAuthClientView[]> {
  let projects: string[] | 'all';
  if (projectId !== undefined) {
    await authorize(db, actor, projectId, 'credential:read');
    projects = [projectId];
  } else {
    projects = await visibleProjectIds(db, actor);
  }
  const ofProjects =
    projects === 'all'
      ? sql`true`
      : projects.length === 0
        ? sql`false`
        : inArray(oauthClients.projectId, projects);
  const rows = await db
    .select()
    .from(oauthClients)
    .where(or(isNull(oauthClients.projectId), ofProjects))
    .orderBy(asc(oauthClients.name), asc(oauthClients.insertedAt));
  return rows.map(toView);
}

export async function getOAuthClient(
  db: Database,
  actor: Actor,
  id: string,
): Promise<OAuthClientView> {
  return toView(await loadClient(db, actor, id, 'read'));
}

export async function createOAuthClient(
  db: Database,
  vault: Vault,
  actor: Actor,
  projectId: string | null,
  body: unknown,
): Promise<OAuthClientView> {
  await authorizeWrite(db, actor, projectId);
  const input = parseOAuthClientInput(body);
  const [row] = await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const inserted = await tx
      .insert(oauthClients)
      .values({
        projectId,
        userId: actor.user.id,
        name: input.name,
        authorizationEndpoint: input.authorization_endpoint,
        tokenEndpoint: input.token_endpoint,
        userinfoEndpoint: input.userinfo_endpoint ?? null,
        revocationEndpoint: input.revocation_endpoint ?? null,
        clientId: input.client_id,
        clientSecret: vault.encryptString(input.client_secret),
        scopes: input.scopes ?? [],
      })
      .returning();
    await recordAuditEvent(tx, {
      event: 'created',
      itemType: 'oauth_client',
      itemId: inserted[0]!.id,
      actorId: actor.user.id,
      projectId,
      changes: { after: { name: input.name, client_id: input.client_id } },
    });
    return inserted;
  });
  return toView(row!);
}

/** Changes any field; a client secret left out (or sent back as the mask) keeps the saved one. */
export async function updateOAuthClient(
  db: Database,
  vault: Vault,
  actor: Actor,
  id: string,
  body: unknown,
): Promise<OAuthClientView> {
  const before = await loadClient(db, actor, id, 'write');
  const changes: OAuthClientChanges = parseOAuthClientChanges(body);
  const secret =
    changes.client_secret !== undefined && changes.client_secret !== MASK
      ? vault.encryptString(changes.client_secret)
      : undefined;
  const [row] = await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const updated = await tx
      .update(oauthClients)
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.authorization_endpoint !== undefined
          ? { authorizationEndpoint: changes.authorization_endpoint }
          : {}),
        ...(changes.token_endpoint !== undefined ? { tokenEndpoint: changes.token_endpoint } : {}),
        ...(changes.userinfo_endpoint !== undefined
          ? { userinfoEndpoint: changes.userinfo_endpoint }
          : {}),
        ...(changes.revocation_endpoint !== undefined
          ? { revocationEndpoint: changes.revocation_endpoint }
          : {}),
        ...(changes.client_id !== undefined ? { clientId: changes.client_id } : {}),
        ...(secret ? { clientSecret: secret } : {}),
        ...(changes.scopes !== undefined ? { scopes: changes.scopes } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(oauthClients.id, id))
      .returning();
    await recordAuditEvent(tx, {
      event: 'updated',
      itemType: 'oauth_client',
      itemId: id,
      actorId: actor.user.id,
      projectId: before.projectId,
      changes: {
        fields: Object.keys(changes).filter((key) => key !== 'client_secret' || secret),
      },
    });
    return updated;
  });
  return toView(row!);
}

/** Deletes a client no credential is bound to (409 naming how many are, otherwise). */
export async function deleteOAuthClient(db: Database, actor: Actor, id: string): Promise<void> {
  const before = await loadClient(db, actor, id, 'write');
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [bound] = await tx
      .select({ n: count() })
      .from(credentials)
      .where(eq(credentials.oauthClientId, id));
    if ((bound?.n ?? 0) > 0) {
      throw new ConflictError(
        `OAuth client "${before.name}" is used by ${bound!.n} credential${bound!.n === 1 ? '' : 's'}: delete them or bind them to another client first`,
      );
    }
    await tx.delete(oauthClients).where(eq(oauthClients.id, id));
    await recordAuditEvent(tx, {
      event: 'deleted',
      itemType: 'oauth_client',
      itemId: id,
      actorId: actor.user.id,
      projectId: before.projectId,
      changes: { before: { name: before.name } },
    });
  });
}

/**
 * A client a credential of `projectIds` may be bound to: instance-wide, or one of those projects'
 * (a credential shared with other projects cannot use a client they do not have). 422-friendly
 * null when it may not.
 */
export async function usableOAuthClient(
  db: Database,
  vault: Vault,
  id: string,
  projectIds: string[],
): Promise<OAuthClientSecrets | null> {
  const [row] = await db.select().from(oauthClients).where(eq(oauthClients.id, id));
  if (!row) return null;
  if (row.projectId !== null && projectIds.some((projectId) => projectId !== row.projectId)) {
    return null;
  }
  if (row.projectId !== null && projectIds.length === 0) return null;
  return secretsOf(vault, row);
}

/** The client with its secret, for refreshing a credential already bound to it. */
export async function loadOAuthClientSecrets(
  db: Database,
  vault: Vault,
  id: string,
): Promise<OAuthClientSecrets | null> {
  const [row] = await db.select().from(oauthClients).where(eq(oauthClients.id, id));
  return row ? secretsOf(vault, row) : null;
}

function secretsOf(vault: Vault, row: OAuthClientRow): OAuthClientSecrets {
  return {
    id: row.id,
    name: row.name,
    authorizationEndpoint: row.authorizationEndpoint,
    tokenEndpoint: row.tokenEndpoint,
    userinfoEndpoint: row.userinfoEndpoint,
    revocationEndpoint: row.revocationEndpoint,
    clientId: row.clientId,
    clientSecret: vault.decryptString(row.clientSecret),
    scopes: row.scopes,
  };
}

async function authorizeWrite(db: Database, actor: Actor, projectId: string | null) {
  if (projectId === null) {
    if (actor.user.role !== 'superuser') {
      throw new ForbiddenError('Only superusers may manage instance-wide OAuth clients');
    }
    return;
  }
  await authorize(db, actor, projectId, 'oauth_client:manage');
}

/** Instance-wide clients: anyone signed in reads; a project's: its members (404 to others). */
async function loadClient(
  db: Database,
  actor: Actor,
  id: string,
  intent: 'read' | 'write',
): Promise<OAuthClientRow> {
  const [row] = await db
    .select()
    .from(oauthClients)
    .where(and(eq(oauthClients.id, id)));
  if (!row) throw new NotFoundError(`OAuth client ${id} not found`);
  if (row.projectId !== null) {
    try {
      await authorize(db, actor, row.projectId, 'credential:read');
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(`OAuth client ${id} not found`);
      throw error;
    }
  }
  if (intent === 'write') await authorizeWrite(db, actor, row.projectId);
  return row;
}

function toView(row: OAuthClientRow): OAuthClientView {
  return {
    id: row.id,
    name: row.name,
    project_id: row.projectId,
    authorization_endpoint: row.authorizationEndpoint,
    token_endpoint: row.tokenEndpoint,
    userinfo_endpoint: row.userinfoEndpoint,
    revocation_endpoint: row.revocationEndpoint,
    client_id: row.clientId,
    client_secret: MASK,
    scopes: row.scopes,
    inserted_at: row.insertedAt,
    updated_at: row.updatedAt,
  };
}
