// A user's authorisation of the GitHub App (its OAuth web flow): the user-to-server token and its
// refresh token, kept only as vault ciphertext in `users.github_oauth_token` (as Lightning keeps
// them), refreshed when they expire, revoked at GitHub and deleted when the user disconnects.
import { eq } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { ConflictError } from '../http/errors.js';
import type { Vault } from '../vault/index.js';
import { type GitHub, gitHubStep } from './github.js';

/** What is stored (encrypted); the keys are GitHub's, as Lightning stores them. */
interface StoredToken {
  access_token: string;
  refresh_token?: string;
  /** ISO time; absent for tokens that do not expire (the app's "expire user tokens" turned off). */
  expires_at?: string;
  refresh_token_expires_at?: string;
  login?: string;
}

/** A token is refreshed this long before it expires, so a call never starts with a dying one. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

interface Authentication {
  token: string;
  refreshToken?: string;
  expiresAt?: string;
  refreshTokenExpiresAt?: string;
}

function stored(authentication: Authentication, login: string | undefined): StoredToken {
  return {
    access_token: authentication.token,
    refresh_token: authentication.refreshToken,
    expires_at: authentication.expiresAt,
    refresh_token_expires_at: authentication.refreshTokenExpiresAt,
    login,
  };
}

async function readStored(db: Database, vault: Vault, userId: string) {
  const [row] = await db
    .select({ token: schema.users.githubOauthToken })
    .from(schema.users)
    .where(eq(schema.users.id, userId));
  return row?.token ? vault.decryptJson<StoredToken>(row.token) : undefined;
}

async function writeStored(db: Database, vault: Vault, userId: string, token: StoredToken | null) {
  await db
    .update(schema.users)
    .set({ githubOauthToken: token ? vault.encryptJson(token) : null })
    .where(eq(schema.users.id, userId));
}

/** Exchanges the code of the OAuth callback for the user's tokens and stores them. */
export async function completeAuthorization(
  db: Database,
  vault: Vault,
  github: GitHub,
  userId: string,
  code: string,
): Promise<{ login: string }> {
  const { authentication } = await gitHubStep('authorising the GitHub App', () =>
    github.app.oauth.createToken({ code }),
  );
  const auth = authentication as Authentication;
  const { data: user } = await gitHubStep('reading your GitHub account', () =>
    github.user(auth.token).rest.users.getAuthenticated(),
  );
  await writeStored(db, vault, userId, stored(auth, user.login));
  return { login: user.login };
}

/** Whether the user has authorised the app, and as which GitHub account. */
export async function authorizationStatus(
  db: Database,
  vault: Vault,
  userId: string,
): Promise<{ connected: boolean; login: string | null }> {
  const token = await readStored(db, vault, userId);
  return { connected: Boolean(token), login: token?.login ?? null };
}

/**
 * The user's access token, refreshed first when it has expired (or is about to). Without one the
 * user is asked to connect their account (409: the request is fine, the state is not).
 */
export async function userAccessToken(
  db: Database,
  vault: Vault,
  github: GitHub,
  userId: string,
  now = Date.now(),
): Promise<string> {
  const token = await readStored(db, vault, userId);
  if (!token) {
    throw new ConflictError('Connect your GitHub account first (Settings → GitHub → Connect)');
  }
  if (!token.expires_at || Date.parse(token.expires_at) - REFRESH_MARGIN_MS > now) {
    return token.access_token;
  }
  if (!token.refresh_token) {
    throw new ConflictError(
      'Your GitHub authorisation has expired: connect your GitHub account again',
    );
  }
  const { authentication } = await gitHubStep('refreshing your GitHub authorisation', () =>
    github.app.oauth.refreshToken({ refreshToken: token.refresh_token! }),
  );
  const refreshed = stored(authentication as Authentication, token.login);
  await writeStored(db, vault, userId, refreshed);
  return refreshed.access_token;
}

/**
 * Disconnects the user's GitHub account: the app's grant is revoked at GitHub (so every token of it
 * stops working), then the stored tokens are deleted. A token GitHub no longer knows (already
 * revoked there) is deleted all the same; any other GitHub failure keeps it, and is reported.
 */
export async function revokeAuthorization(
  db: Database,
  vault: Vault,
  github: GitHub,
  userId: string,
): Promise<void> {
  const token = await readStored(db, vault, userId);
  if (!token) return;
  try {
    await gitHubStep('revoking the GitHub authorisation', () =>
      github.app.oauth.deleteAuthorization({ token: token.access_token }),
    );
  } catch (error) {
    const status = (error as { githubStatus?: number }).githubStatus;
    if (status !== 404 && status !== 422 && status !== 401) throw error;
  }
  await writeStored(db, vault, userId, null);
}
