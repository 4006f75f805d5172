// Authorizations in flight: between sending the browser to a provider and its return to a
// callback, the state, PKCE verifier and nonce live here (one row each, vault-encrypted verifier).
// The browser's `state` is the key: it is looked up by its SHA-256, used once, and dead after ten
// minutes, so a replayed or forged callback finds nothing.
import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import * as client from 'openid-client';
import { type Database, schema } from '../db/index.js';
import type { Vault } from '../vault/index.js';

const { oauthAuthorizations } = schema;

/** How long a user may spend at the provider's sign-in and consent pages. */
export const AUTHORIZATION_MAX_AGE_SECONDS = 10 * 60;

export interface StartedAuthorization {
  state: string;
  nonce: string;
  codeChallenge: string;
}

export interface PendingAuthorization {
  userId: string | null;
  codeVerifier: string;
  nonce: string | null;
  state: string;
  details: Record<string, unknown>;
}

const hash = (state: string) => createHash('sha256').update(state).digest('hex');

export async function startAuthorization(
  db: Database,
  vault: Vault,
  purpose: 'credential' | 'sso',
  userId: string | null,
  details: Record<string, unknown>,
): Promise<StartedAuthorization> {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  // Abandoned rows are removed by whoever starts the next one: no timer needed.
  await db
    .delete(oauthAuthorizations)
    .where(
      lt(
        oauthAuthorizations.insertedAt,
        sql`now() - make_interval(secs => ${AUTHORIZATION_MAX_AGE_SECONDS})`,
      ),
    );
  await db.insert(oauthAuthorizations).values({
    stateHash: hash(state),
    purpose,
    userId,
    codeVerifier: vault.encryptString(codeVerifier),
    nonce,
    details,
  });
  return { state, nonce, codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier) };
}

/** Takes (deletes) the authorization `state` names, if it exists and is fresh; else null. */
export async function takeAuthorization(
  db: Database,
  vault: Vault,
  purpose: 'credential' | 'sso',
  state: string | undefined,
): Promise<PendingAuthorization | null> {
  if (!state || state.length > 200) return null;
  const [row] = await db
    .delete(oauthAuthorizations)
    .where(
      and(eq(oauthAuthorizations.stateHash, hash(state)), eq(oauthAuthorizations.purpose, purpose)),
    )
    .returning();
  if (!row) return null;
  const age = (Date.now() - new Date(row.insertedAt).getTime()) / 1000;
  if (age > AUTHORIZATION_MAX_AGE_SECONDS) return null;
  return {
    userId: row.userId,
    codeVerifier: vault.decryptString(row.codeVerifier),
    nonce: row.nonce,
    state,
    details: row.details,
  };
}
