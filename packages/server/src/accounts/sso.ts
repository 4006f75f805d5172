// Single sign-on with an OpenID Connect provider (SSO_* variables). The browser goes to the
// provider with state, nonce and a PKCE challenge (oauth/authorizations.ts keeps them) and comes
// back to /sso/callback, where openid-client checks all three and the ID token. Then, in order:
//
//   1. the account's email domain must be in SSO_ALLOWED_DOMAINS (when set) — at every sign-in;
//   2. a provider account (issuer + subject) linked before signs in as its user;
//   3. otherwise a user with the same email is linked, only if the provider says the email is
//      verified (an unverified address would let anyone claim someone else's account);
//   4. otherwise, with SSO_AUTO_PROVISION=true, a user is created (confirmed, no password);
//   5. a disabled user never signs in.
//
// The provider decides whether the account may sign in at all: one it disabled fails at the
// provider (or at the code exchange), so its user cannot start a new session once theirs ends.
import { and, eq, sql } from 'drizzle-orm';
import * as client from 'openid-client';
import type { Logger } from 'pino';
import { recordAuditEvent } from '../audit/index.js';
import type { Config } from '../config/index.js';
import { type Database, schema } from '../db/index.js';
import {
  describeProviderError,
  discoverProvider,
  startAuthorization,
  takeAuthorization,
} from '../oauth/index.js';
import type { Vault } from '../vault/index.js';
import { findUserByEmail, getUser, type UserRow } from './users.js';

export type SsoConfig = NonNullable<Config['sso']>;

export interface SsoDependencies {
  db: Database;
  vault: Vault;
  sso: SsoConfig;
  /** Where the provider sends the browser back: `<public URL>/sso/callback`. */
  redirectUri: string;
  logger: Logger;
}

/** A sign-in the rules refuse: the message is for the user (no tokens, no provider internals). */
export class SsoSignInError extends Error {
  override name = 'SsoSignInError';
}

/** The provider's authorization URL for a new sign-in. */
export async function startSsoSignIn(deps: SsoDependencies): Promise<URL> {
  const provider = await discoverProvider(deps.sso.issuer, deps.sso);
  const started = await startAuthorization(deps.db, deps.vault, 'sso', null, {});
  return client.buildAuthorizationUrl(provider, {
    redirect_uri: deps.redirectUri,
    scope: 'openid email profile',
    state: started.state,
    nonce: started.nonce,
    code_challenge: started.codeChallenge,
    code_challenge_method: 'S256',
  });
}

/** Finishes a sign-in from the callback's URL: the user to start a session for, or SsoSignInError. */
export async function finishSsoSignIn(deps: SsoDependencies, callbackUrl: URL): Promise<UserRow> {
  const { db, sso } = deps;
  const pending = await takeAuthorization(
    db,
    deps.vault,
    'sso',
    callbackUrl.searchParams.get('state') ?? undefined,
  );
  if (!pending) {
    throw new SsoSignInError('This sign-in has expired or was already used: please start again');
  }
  const providerError = callbackUrl.searchParams.get('error');
  if (providerError) {
    throw new SsoSignInError(`The sign-in provider refused: ${providerError.slice(0, 200)}`);
  }
  const provider = await discoverProvider(sso.issuer, sso);
  let claims: client.IDToken;
  let accessToken: string;
  try {
    const tokens = await client.authorizationCodeGrant(provider, callbackUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce ?? undefined,
      idTokenExpected: true,
    });
    claims = tokens.claims()!;
    accessToken = tokens.access_token;
  } catch (error) {
    deps.logger.warn(
      { reason: describeProviderError(error) },
      'SSO sign-in refused by the provider',
    );
    throw new SsoSignInError(
      `The sign-in provider did not confirm your account (${describeProviderError(error)})`,
    );
  }
  let email = typeof claims.email === 'string' ? claims.email : undefined;
  let verified = claims.email_verified === true;
  let profile: Record<string, unknown> = claims;
  if (!email) {
    const info = await client.fetchUserInfo(provider, accessToken, claims.sub);
    email = typeof info.email === 'string' ? info.email : undefined;
    verified = info.email_verified === true;
    profile = info;
  }
  if (!email) throw new SsoSignInError('The sign-in provider did not share your email address');
  const domain = email.split('@').pop()!.toLowerCase();
  if (sso.allowedDomains.length > 0 && !sso.allowedDomains.includes(domain)) {
    throw new SsoSignInError(`Accounts of ${domain} may not sign in to this instance`);
  }

  const user = await userFor(deps, claims.iss, claims.sub, email, verified, profile);
  if (user.disabled) throw new SsoSignInError('This account is disabled');
  await db
    .update(schema.userIdentities)
    .set({ lastSignInAt: sql`now()`, email })
    .where(
      and(
        eq(schema.userIdentities.issuer, claims.iss),
        eq(schema.userIdentities.subject, claims.sub),
      ),
    );
  return user;
}

async function userFor(
  deps: SsoDependencies,
  issuer: string,
  subject: string,
  email: string,
  verified: boolean,
  profile: Record<string, unknown>,
): Promise<UserRow> {
  const { db, sso } = deps;
  const [identity] = await db
    .select({ userId: schema.userIdentities.userId })
    .from(schema.userIdentities)
    .where(
      and(eq(schema.userIdentities.issuer, issuer), eq(schema.userIdentities.subject, subject)),
    );
  if (identity) {
    const user = await getUser(db, identity.userId);
    if (user) return user;
  }
  if (!verified) {
    throw new SsoSignInError(
      'The sign-in provider has not verified your email address, so it cannot be matched to a Lightning account',
    );
  }
  let user = await findUserByEmail(db, email);
  let provisioned = false;
  if (!user) {
    if (!sso.autoProvision) {
      throw new SsoSignInError(
        `There is no Lightning account for ${email}: ask an administrator to create one`,
      );
    }
    const [created] = await db
      .insert(schema.users)
      .values({
        firstName: text(profile.given_name) ?? text(profile.name) ?? email.split('@')[0]!,
        lastName: text(profile.family_name) ?? '',
        email,
        confirmedAt: new Date(),
      })
      .returning();
    user = created!;
    provisioned = true;
  }
  await db.insert(schema.userIdentities).values({ userId: user.id, issuer, subject, email });
  await recordAuditEvent(db, {
    event: provisioned ? 'sso_provisioned' : 'sso_linked',
    itemType: 'user',
    itemId: user.id,
    actorId: user.id,
    changes: { issuer },
  });
  return user;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 100) : undefined;

/** Whether the user has signed in with SSO (SSO_DISABLE_PASSWORD_LOGIN refuses their password). */
export async function hasSsoIdentity(db: Database, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: schema.userIdentities.id })
    .from(schema.userIdentities)
    .where(eq(schema.userIdentities.userId, userId))
    .limit(1);
  return row !== undefined;
}
