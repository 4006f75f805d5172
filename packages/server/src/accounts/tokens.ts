// Single-purpose tokens kept in `user_tokens`: sessions, personal access tokens, email confirmation,
// password reset, email change. Only the SHA-256 of a token is stored, so a copy of the database
// yields no token that works; the plaintext exists only in the cookie, the email or the API reply.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';

/** `change:<new email>` carries the address being confirmed, as in Lightning. */
export type TokenContext =
  | 'session'
  | 'api'
  | 'confirm'
  | 'reset_password'
  | 'mfa_pending'
  | `change:${string}`;

export interface TokenUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: 'user' | 'superuser';
  mfaEnabled: boolean;
  disabled: boolean;
  confirmedAt: Date | null;
}

/** 32 random bytes, URL-safe: fits cookies, links and headers unchanged. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export interface IssueTokenOptions {
  sentTo?: string;
  name?: string;
  /** Use this token text instead of a random one (e.g. a JWT-shaped personal access token). */
  token?: string;
}

/** Stores the hash of a new token and returns its row id and the plaintext (shown once). */
export async function issueToken(
  db: Database,
  userId: string,
  context: TokenContext,
  options: IssueTokenOptions = {},
): Promise<{ id: string; token: string }> {
  const token = options.token ?? generateToken();
  const [row] = await db
    .insert(schema.userTokens)
    .values({
      userId,
      context,
      tokenHash: hashToken(token),
      sentTo: options.sentTo ?? null,
      name: options.name ?? null,
    })
    .returning({ id: schema.userTokens.id });
  return { id: row!.id, token };
}

const userColumns = {
  id: schema.users.id,
  email: schema.users.email,
  firstName: schema.users.firstName,
  lastName: schema.users.lastName,
  role: schema.users.role,
  mfaEnabled: schema.users.mfaEnabled,
  disabled: schema.users.disabled,
  confirmedAt: schema.users.confirmedAt,
};

export interface FoundToken {
  tokenId: string;
  sentTo: string | null;
  user: TokenUser;
}

/**
 * The user a token of this context belongs to, or null when it is unknown, older than
 * `maxAgeSeconds` (null: no expiry), or its user is disabled.
 */
export async function findTokenUser(
  db: Database,
  token: string,
  context: TokenContext,
  maxAgeSeconds: number | null,
): Promise<FoundToken | null> {
  if (!token || token.length > 4096) return null;
  const conditions = [
    eq(schema.userTokens.context, context),
    eq(schema.userTokens.tokenHash, hashToken(token)),
  ];
  if (maxAgeSeconds !== null) {
    conditions.push(
      gt(
        schema.userTokens.insertedAt,
        sql`now() - make_interval(secs => ${maxAgeSeconds})`.mapWith(String),
      ),
    );
  }
  const [row] = await db
    .select({ tokenId: schema.userTokens.id, sentTo: schema.userTokens.sentTo, ...userColumns })
    .from(schema.userTokens)
    .innerJoin(schema.users, eq(schema.users.id, schema.userTokens.userId))
    .where(and(...conditions))
    .limit(1);
  if (!row || row.disabled) return null;
  const { tokenId, sentTo, ...user } = row;
  return { tokenId, sentTo, user };
}

export async function deleteToken(db: Database, tokenId: string): Promise<void> {
  await db.delete(schema.userTokens).where(eq(schema.userTokens.id, tokenId));
}

/** Deletes every token of a user in the given contexts (e.g. all sessions: "log out everywhere"). */
export async function deleteUserTokens(
  db: Database,
  userId: string,
  contexts: TokenContext[],
): Promise<number> {
  const deleted = await db
    .delete(schema.userTokens)
    .where(
      and(eq(schema.userTokens.userId, userId), sql`${schema.userTokens.context} IN ${contexts}`),
    )
    .returning({ id: schema.userTokens.id });
  return deleted.length;
}

/** Stamps `last_used_at`, at most once a minute per token so busy API clients do not write on every call. */
export async function touchToken(db: Database, tokenId: string): Promise<void> {
  await db
    .update(schema.userTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(schema.userTokens.id, tokenId),
        sql`(${schema.userTokens.lastUsedAt} IS NULL OR ${schema.userTokens.lastUsedAt} < now() - interval '1 minute')`,
      ),
    );
}

export interface ConsumedToken {
  userId: string;
  context: string;
  sentTo: string | null;
}

/**
 * Spends a single-use token (confirmation, password reset, email change): deletes it and returns
 * what it was for, or null when it is unknown, already used or older than `maxAgeSeconds`. The
 * delete is the check, so of two simultaneous uses only one gets the row. `change:*` matches an
 * email-change token for any address (the address is part of its context).
 */
export async function consumeToken(
  db: Database,
  token: string,
  context: TokenContext | 'change:*',
  maxAgeSeconds: number,
): Promise<ConsumedToken | null> {
  if (!token || token.length > 4096) return null;
  const contextCondition =
    context === 'change:*'
      ? sql`${schema.userTokens.context} LIKE 'change:%'`
      : eq(schema.userTokens.context, context);
  const [row] = await db
    .delete(schema.userTokens)
    .where(
      and(
        contextCondition,
        eq(schema.userTokens.tokenHash, hashToken(token)),
        sql`${schema.userTokens.insertedAt} > now() - make_interval(secs => ${maxAgeSeconds})`,
      ),
    )
    .returning({
      userId: schema.userTokens.userId,
      context: schema.userTokens.context,
      sentTo: schema.userTokens.sentTo,
    });
  return row ?? null;
}
