// OAuth credentials: Google (Sheets), Salesforce, or any registered OAuth client. Creating or
// reauthorising one sends the user through the provider's authorization code flow (PKCE, state
// checked, `prompt=consent` and offline access so a refresh token is issued) and back to
// /authenticate/callback; the token set is the credential's body, vault-encrypted like any other.
//
// Token set (what a run's `state.configuration` receives, as the adaptors expect it):
//   { access_token, refresh_token, token_type, expires_at (ISO 8601), scope, instance_url? }
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import * as client from 'openid-client';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseBody } from '../accounts/input.js';
import { recordAuditEvent } from '../audit/index.js';
import type { Config } from '../config/index.js';
import { type Database, schema } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import { ValidationError } from '../http/errors.js';
import type { Mailer } from '../notifications/index.js';
import {
  configureProvider,
  describeProviderError,
  discoverProvider,
  startAuthorization,
  takeAuthorization,
} from '../oauth/index.js';
import type { Vault } from '../vault/index.js';
import { authorizeSharing, checkNameFree, loadForWriting } from './credentials.js';
import { loadOAuthClientSecrets, usableOAuthClient } from './oauth-clients.js';

const { credentials, projectCredentials } = schema;

export interface OAuthCredentialDependencies {
  db: Database;
  vault: Vault;
  config: Config;
  mailer: Mailer;
  logger: Logger;
}

export type OAuthProviderKind = 'google' | 'salesforce' | 'generic';

/** The credential schema of each provider's token set (what the adaptor reads). */
export const OAUTH_SCHEMAS: Record<OAuthProviderKind, string> = {
  google: 'googlesheets',
  salesforce: 'salesforce_oauth',
  generic: 'oauth',
};

// What the adaptors need: Sheets read/write for language-googlesheets, the REST API (and a refresh
// token, which Salesforce grants only for this scope) for language-salesforce.
const DEFAULT_SCOPES: Record<Exclude<OAuthProviderKind, 'generic'>, string[]> = {
  google: ['https://www.googleapis.com/auth/spreadsheets'],
  salesforce: ['api', 'refresh_token'],
};

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  token_type?: string;
  expires_at?: string;
  scope?: string;
  instance_url?: string;
}

/** A callback that cannot become a credential: the message is for the user. */
export class OAuthCallbackError extends Error {
  override name = 'OAuthCallbackError';
}

interface ProviderSetup {
  configuration: client.Configuration;
  scopes: string[];
  /** Registered clients have no issuer of their own to check the callback's `iss` against. */
  checksIssuer: boolean;
}

async function providerSetup(
  deps: OAuthCredentialDependencies,
  provider: OAuthProviderKind,
  oauthClientId: string | null,
  projectIds: string[] | null,
): Promise<ProviderSetup> {
  if (provider === 'generic') {
    const found = oauthClientId
      ? projectIds
        ? await usableOAuthClient(deps.db, deps.vault, oauthClientId, projectIds)
        : await loadOAuthClientSecrets(deps.db, deps.vault, oauthClientId)
      : null;
    if (!found) {
      throw new ValidationError('The credential is not valid', {
        oauth_client_id: [
          'must name an OAuth client of this instance or of every project the credential is shared with',
        ],
      });
    }
    return {
      configuration: configureProvider({ issuer: `oauth-client:${found.id}`, ...found }, found),
      scopes: found.scopes,
      checksIssuer: false,
    };
  }
  const settings = deps.config.oauth[provider];
  if (!settings.clientId || !settings.clientSecret) {
    const prefix = provider.toUpperCase();
    throw new ValidationError(`${provider} credentials are not set up on this instance`, {
      provider: [`needs ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET on the server`],
    });
  }
  return {
    configuration: await discoverProvider(settings.issuer, {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
    }),
    scopes: DEFAULT_SCOPES[provider],
    checksIssuer: true,
  };
}

const redirectUri = (config: Config) =>
  `${config.http.publicUrl.replace(/\/+$/, '')}/authenticate/callback`;

// Where the browser lands afterwards: a path of this app, never another site.
const returnTo = z
  .string()
  .regex(/^\/(?!\/)[^\s\\]*$/, 'must be a path of this app, starting with one "/"')
  .max(500)
  .optional();

const startInput = z.object({
  name: z
    .string({ error: "can't be blank" })
    .trim()
    .min(1, "can't be blank")
    .max(100, 'must be at most 100 characters')
    .regex(/^[a-zA-Z0-9_\- ]*$/, 'may only hold letters, digits, spaces, "_" and "-"'),
  provider: z.enum(['google', 'salesforce', 'generic'], {
    error: 'must be google, salesforce or generic',
  }),
  oauth_client_id: z.guid({ error: 'must be a UUID' }).optional(),
  project_ids: z.array(z.guid({ error: 'must be a UUID' })).optional(),
  production: z.boolean().optional(),
  return_to: returnTo,
});

/**
 * Starts creating an OAuth credential: checks what can be checked now (name, sharing, client) and
 * answers the provider's authorization URL for the browser to open.
 */
export async function startOAuthCredential(
  deps: OAuthCredentialDependencies,
  actor: Actor,
  body: unknown,
): Promise<{ authorization_url: string }> {
  const input = parseBody(startInput, body);
  const projectIds = [...new Set(input.project_ids ?? [])];
  await authorizeSharing(deps.db, actor, projectIds, 'project_ids');
  await checkNameFree(deps.db, actor.user.id, input.name);
  const setup = await providerSetup(
    deps,
    input.provider,
    input.oauth_client_id ?? null,
    projectIds,
  );
  return authorizationUrl(deps, actor, setup, {
    mode: 'create',
    name: input.name,
    provider: input.provider,
    oauth_client_id: input.oauth_client_id ?? null,
    project_ids: projectIds,
    production: input.production ?? false,
    return_to: input.return_to ?? '/account',
  });
}

/** Sends the owner through the provider again; the new token set replaces the old one. */
export async function reauthorizeOAuthCredential(
  deps: OAuthCredentialDependencies,
  actor: Actor,
  id: string,
  body: unknown,
): Promise<{ authorization_url: string }> {
  const { return_to } = parseBody(z.object({ return_to: returnTo }), body);
  const row = await loadForWriting(deps.db, actor, id);
  if (!row.oauthProvider) {
    throw new ValidationError('Not an OAuth credential', {
      id: ['is not an OAuth credential: change its body instead'],
    });
  }
  const provider = row.oauthProvider as OAuthProviderKind;
  const setup = await providerSetup(deps, provider, row.oauthClientId, null);
  return authorizationUrl(deps, actor, setup, {
    mode: 'reauthorize',
    credential_id: id,
    provider,
    oauth_client_id: row.oauthClientId,
    return_to: return_to ?? '/account',
  });
}

async function authorizationUrl(
  deps: OAuthCredentialDependencies,
  actor: Actor,
  setup: ProviderSetup,
  details: Record<string, unknown>,
): Promise<{ authorization_url: string }> {
  const started = await startAuthorization(deps.db, deps.vault, 'credential', actor.user.id, {
    ...details,
    scopes: setup.scopes,
  });
  const url = client.buildAuthorizationUrl(setup.configuration, {
    redirect_uri: redirectUri(deps.config),
    scope: setup.scopes.join(' '),
    state: started.state,
    code_challenge: started.codeChallenge,
    code_challenge_method: 'S256',
    // A refresh token every time: Google issues one only with offline access and consent.
    access_type: 'offline',
    prompt: 'consent',
  });
  return { authorization_url: url.href };
}

/**
 * The provider sent the browser back: exchange the code (PKCE verifier, state) and store the token
 * set as a new credential or the reauthorised one. Only the user who started may finish.
 */
export async function finishOAuthCredential(
  deps: OAuthCredentialDependencies,
  actor: Actor | null,
  callbackUrl: URL,
): Promise<{ credentialId: string; returnTo: string }> {
  const { db, vault } = deps;
  const pending = await takeAuthorization(
    db,
    vault,
    'credential',
    callbackUrl.searchParams.get('state') ?? undefined,
  );
  if (!pending) {
    throw new OAuthCallbackError('This authorization has expired or was already used: start again');
  }
  if (!actor || actor.user.id !== pending.userId) {
    throw new OAuthCallbackError(
      'Sign in as the user who started this authorization, then start again',
    );
  }
  const details = pending.details as {
    mode: 'create' | 'reauthorize';
    provider: OAuthProviderKind;
    oauth_client_id: string | null;
    credential_id?: string;
    name?: string;
    project_ids?: string[];
    production?: boolean;
    return_to: string;
    scopes: string[];
  };
  const refused = callbackUrl.searchParams.get('error');
  if (refused) {
    throw new OAuthCallbackError(`The provider refused: ${refused.slice(0, 200)}`);
  }
  const setup = await providerSetup(deps, details.provider, details.oauth_client_id, null);
  const url = new URL(callbackUrl);
  if (!setup.checksIssuer) url.searchParams.delete('iss');
  let tokenSet: TokenSet;
  try {
    const tokens = await client.authorizationCodeGrant(setup.configuration, url, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
    });
    tokenSet = toTokenSet(tokens, details.provider);
  } catch (error) {
    deps.logger.warn({ reason: describeProviderError(error) }, 'OAuth code exchange refused');
    throw new OAuthCallbackError(
      `The provider did not issue tokens (${describeProviderError(error)})`,
    );
  }
  const credentialId =
    details.mode === 'reauthorize'
      ? await saveReauthorized(deps, actor, details.credential_id!, tokenSet)
      : await saveNew(deps, actor, details, tokenSet);
  return { credentialId, returnTo: details.return_to };
}

async function saveNew(
  deps: OAuthCredentialDependencies,
  actor: Actor,
  details: {
    provider: OAuthProviderKind;
    oauth_client_id: string | null;
    name?: string;
    project_ids?: string[];
    production?: boolean;
  },
  tokenSet: TokenSet,
): Promise<string> {
  const projectIds = details.project_ids ?? [];
  return deps.db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    // The name may have been taken while the user was at the provider.
    await checkNameFree(tx, actor.user.id, details.name!).catch(() => {
      throw new OAuthCallbackError(`You already have a credential named "${details.name}"`);
    });
    const id = randomUUID();
    await tx.insert(credentials).values({
      id,
      userId: actor.user.id,
      name: details.name!,
      schema: OAUTH_SCHEMAS[details.provider],
      body: deps.vault.encryptJson(tokenSet),
      production: details.production ?? false,
      oauthProvider: details.provider,
      oauthClientId: details.oauth_client_id,
      oauthStatus: 'authorized',
    });
    for (const projectId of projectIds) {
      await tx.insert(projectCredentials).values({ projectId, credentialId: id });
    }
    await recordAuditEvent(tx, {
      event: 'created',
      itemType: 'credential',
      itemId: id,
      actorId: actor.user.id,
      changes: {
        after: { name: details.name, provider: details.provider, project_ids: projectIds },
      },
    });
    return id;
  });
}

async function saveReauthorized(
  deps: OAuthCredentialDependencies,
  actor: Actor,
  id: string,
  tokenSet: TokenSet,
): Promise<string> {
  await loadForWriting(deps.db, actor, id);
  await storeGrant(deps, actor, id, tokenSet, 'authorized', 'reauthorized');
  return id;
}

/** The token endpoint's answer as a credential body (no ID token: runs do not need it). */
export function toTokenSet(
  tokens: client.TokenEndpointResponse,
  provider: OAuthProviderKind,
  previous?: TokenSet,
): TokenSet {
  const set: TokenSet = { access_token: tokens.access_token };
  // A refresh answer usually omits the refresh token (not rotated): the old one stays valid.
  const refresh = tokens.refresh_token ?? previous?.refresh_token;
  if (refresh) set.refresh_token = refresh;
  if (tokens.token_type) set.token_type = tokens.token_type;
  if (typeof tokens.expires_in === 'number') {
    set.expires_at = new Date(Date.now() + tokens.expires_in * 1000).toISOString();
  }
  const scope = tokens.scope ?? previous?.scope;
  if (scope) set.scope = scope;
  // Salesforce answers which instance (my-domain host) the token is for; the adaptor calls it.
  const instanceUrl = (tokens as { instance_url?: unknown }).instance_url ?? previous?.instance_url;
  if (provider === 'salesforce' && typeof instanceUrl === 'string') set.instance_url = instanceUrl;
  return set;
}

export { providerSetup as oauthProviderSetup };

/**
 * Revokes the grant at the provider (when it has a revocation endpoint) and forgets the tokens:
 * runs using the credential fail until it is reauthorised.
 */
export async function revokeOAuthCredential(
  deps: OAuthCredentialDependencies,
  actor: Actor,
  id: string,
): Promise<void> {
  const row = await loadForWriting(deps.db, actor, id);
  if (!row.oauthProvider) {
    throw new ValidationError('Not an OAuth credential', { id: ['is not an OAuth credential'] });
  }
  const tokens = deps.vault.decryptJson<Partial<TokenSet>>(row.body);
  const token = tokens.refresh_token ?? tokens.access_token;
  if (token) {
    try {
      const setup = await providerSetup(
        deps,
        row.oauthProvider as OAuthProviderKind,
        row.oauthClientId,
        null,
      );
      if (setup.configuration.serverMetadata().revocation_endpoint) {
        await client.tokenRevocation(setup.configuration, token);
      }
    } catch (error) {
      // The tokens are forgotten here whatever the provider says; the owner can also revoke the
      // grant in the provider's own account settings.
      deps.logger.warn({ reason: describeProviderError(error) }, 'OAuth revocation failed');
    }
  }
  await storeGrant(deps, actor, id, {}, 'revoked', 'revoked');
}

/** Stores a credential's new token set (or none) and its status, with the audit event, at once. */
async function storeGrant(
  deps: OAuthCredentialDependencies,
  actor: Actor,
  id: string,
  body: TokenSet | Record<string, never>,
  status: 'authorized' | 'revoked',
  event: 'reauthorized' | 'revoked',
): Promise<void> {
  await deps.db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    await tx
      .update(credentials)
      .set({
        body: deps.vault.encryptJson(body),
        oauthStatus: status,
        oauthError: null,
        updatedAt: sql`now()`,
      })
      .where(eq(credentials.id, id));
    await recordAuditEvent(tx, {
      event,
      itemType: 'credential',
      itemId: id,
      actorId: actor.user.id,
    });
  });
}
