// Personal access tokens: what scripts and the CLI put in `Authorization: Bearer …` to call the REST
// and provisioning APIs as their owner. Shaped like OpenFn Lightning's: a JWT signed RS256 with the
// worker runs private key (WORKER_RUNS_PRIVATE_KEY), claims `jti` (random), `iss: "Lightning"`,
// `sub: "user:<uuid>"`, `iat` and no `exp` — a token lives until it is revoked. Unlike Lightning, only
// its SHA-256 is stored (user_tokens, context `api`): the text is shown once, when it is created.
// Creation and revocation are recorded in the audit trail in the same transaction.
import { randomBytes } from 'node:crypto';
import { readPrivateKey } from '@lightning/protocol';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { SignJWT } from 'jose';
import { recordAuditEvent } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { HttpError, NotFoundError, ValidationError } from '../http/errors.js';
import { issueToken } from './tokens.js';

export const API_TOKEN_ISSUER = 'Lightning';
export const MAX_API_TOKEN_NAME_LENGTH = 255;

/** A timestamp column as ISO 8601 UTC text with its microseconds. */
const isoText = (column: PgColumn) =>
  sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface ApiToken {
  id: string;
  name: string | null;
  insertedAt: string;
  lastUsedAt: string | null;
}

/** Signs the token text for a user (not stored anywhere by this function). */
export async function signPersonalAccessToken(
  privateKeyPem: string,
  userId: string,
  now: Date = new Date(),
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setJti(randomBytes(16).toString('hex'))
    .setIssuer(API_TOKEN_ISSUER)
    .setSubject(`user:${userId}`)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .sign(readPrivateKey(privateKeyPem));
}

/** The trimmed token name, or 422 at `name`. */
export function parseApiTokenName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError('Invalid token', { name: ["can't be blank"] });
  }
  const name = value.trim();
  if (name.length > MAX_API_TOKEN_NAME_LENGTH) {
    throw new ValidationError('Invalid token', {
      name: [`should be at most ${MAX_API_TOKEN_NAME_LENGTH} characters`],
    });
  }
  return name;
}

export interface CreateApiTokenOptions {
  userId: string;
  name: string;
  /** Who asked for it: the user themself, or nobody (the CLI, recorded as the system). */
  actorId?: string | null;
}

/**
 * Creates a personal access token and returns its text — the only time it exists in clear.
 *
 * @example
 * const { token } = await createApiToken(db, config, { userId, name: 'CI', actorId: userId });
 */
export async function createApiToken(
  db: Database,
  config: Pick<Config, 'workers'>,
  options: CreateApiTokenOptions,
): Promise<ApiToken & { token: string; name: string }> {
  const privateKeyPem = config.workers.runsPrivateKeyPem;
  if (!privateKeyPem) {
    throw new HttpError(
      503,
      'Personal access tokens cannot be issued: WORKER_RUNS_PRIVATE_KEY is not set (generate one with `lightning gen-worker-keys`)',
    );
  }
  const text = await signPersonalAccessToken(privateKeyPem, options.userId);
  return db.transaction(async (tx) => {
    const { id, token } = await issueToken(tx, options.userId, 'api', {
      name: options.name,
      token: text,
    });
    await recordAuditEvent(tx, {
      event: 'created',
      itemType: 'api_token',
      itemId: id,
      actorId: options.actorId ?? null,
      changes: { user_id: options.userId, name: options.name },
    });
    const [row] = await tx
      .select({ insertedAt: isoText(schema.userTokens.insertedAt) })
      .from(schema.userTokens)
      .where(eq(schema.userTokens.id, id));
    return { id, name: options.name, token, insertedAt: row!.insertedAt, lastUsedAt: null };
  });
}

/**
 * Creates a token for the user with this email (case-insensitive), for scripted set-ups
 * (`lightning create-api-token`). The actor is the system. 404 when nobody has the email; 422
 * when the user is disabled (their token would not work).
 */
export async function createApiTokenForEmail(
  db: Database,
  config: Pick<Config, 'workers'>,
  options: { email: string; name: string },
): Promise<ApiToken & { token: string; name: string }> {
  const email = options.email.trim();
  const [user] = await db
    .select({ id: schema.users.id, disabled: schema.users.disabled })
    .from(schema.users)
    .where(sql`lower(${schema.users.email}) = ${email.toLowerCase()}`)
    .limit(1);
  if (!user) throw new NotFoundError(`No user has the email ${email}`);
  if (user.disabled) {
    throw new ValidationError(`The user ${email} is disabled`, {
      email: ['belongs to a disabled user'],
    });
  }
  return createApiToken(db, config, { userId: user.id, name: parseApiTokenName(options.name) });
}

/** A user's personal access tokens, newest first (never their text). */
export async function listApiTokens(db: Database, userId: string): Promise<ApiToken[]> {
  const tokens = schema.userTokens;
  return db
    .select({
      id: tokens.id,
      name: tokens.name,
      insertedAt: isoText(tokens.insertedAt),
      lastUsedAt: sql<
        string | null
      >`CASE WHEN ${tokens.lastUsedAt} IS NULL THEN NULL ELSE ${isoText(tokens.lastUsedAt)} END`,
    })
    .from(tokens)
    .where(and(eq(tokens.userId, userId), eq(tokens.context, 'api')))
    .orderBy(desc(tokens.insertedAt), desc(tokens.id));
}

/**
 * Revokes one of the user's own tokens; 404 for an unknown id or someone else's token, so ids of
 * other people's tokens cannot be probed. The token stops working at once (it is looked up on
 * every request).
 */
export async function revokeApiToken(
  db: Database,
  options: { userId: string; tokenId: string; actorId?: string | null },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [deleted] = await tx
      .delete(schema.userTokens)
      .where(
        and(
          eq(schema.userTokens.id, options.tokenId),
          eq(schema.userTokens.userId, options.userId),
          eq(schema.userTokens.context, 'api'),
        ),
      )
      .returning({ name: schema.userTokens.name });
    if (!deleted) throw new NotFoundError(`Token ${options.tokenId} not found`);
    await recordAuditEvent(tx, {
      event: 'revoked',
      itemType: 'api_token',
      itemId: options.tokenId,
      actorId: options.actorId ?? null,
      changes: { user_id: options.userId, name: deleted.name },
    });
  });
}

export const apiTokenJson = (token: ApiToken) => ({
  id: token.id,
  name: token.name,
  inserted_at: token.insertedAt,
  last_used_at: token.lastUsedAt,
});
