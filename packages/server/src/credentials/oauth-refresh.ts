// Fresh tokens for runs. When a worker fetches an OAuth credential whose access token expires
// within OAUTH_REFRESH_MARGIN_SECONDS, it is refreshed first and the new token set saved.
//
// One refresh at a time per credential, across the cluster: the credential's row is locked
// (`SELECT … FOR UPDATE`) for the refresh, so concurrent runs wait and then read the token the
// first one saved instead of refreshing again — with providers that rotate refresh tokens, a
// second refresh with the old token would fail and could revoke the grant. The lock is held for
// one HTTP round trip to the provider (openid-client's timeout bounds it).
//
// A refresh the provider refuses (grant revoked, client changed) marks the credential
// `reauthorization_required` with the provider's reason, mails its owner, and fails the delivery
// with a message naming the credential: the run ends with the worker's CredentialLoadError.
import { sql } from 'drizzle-orm';
import * as client from 'openid-client';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, queryRows } from '../db/index.js';
import { describeProviderError } from '../oauth/index.js';
import {
  type OAuthCredentialDependencies,
  type OAuthProviderKind,
  oauthProviderSetup,
  type TokenSet,
  toTokenSet,
} from './oauth-credentials.js';
import { toBytes } from './run-credentials.js';

/** Why an OAuth credential cannot be handed to a run: safe to show (names it, no secrets). */
export class OAuthCredentialError extends Error {
  override name = 'OAuthCredentialError';
}

interface LockedCredential extends Record<string, unknown> {
  id: string;
  name: string;
  body: Uint8Array | string;
  oauth_provider: string | null;
  oauth_client_id: string | null;
  oauth_status: string | null;
  owner_email: string;
}

/**
 * The credential's body for a run: unchanged for ordinary credentials and OAuth ones that stay
 * valid beyond the margin; otherwise refreshed (once, under the row lock) and saved.
 */
export async function freshCredentialBody(
  deps: OAuthCredentialDependencies,
  credentialId: string,
  body: Record<string, unknown>,
  oauthProvider: string | null,
): Promise<Record<string, unknown>> {
  if (!oauthProvider) return body;
  if (isFresh(deps, body)) return body;
  let failure: { message: string; owner: string; name: string } | undefined;
  const result = await deps.db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [row] = await queryRows<LockedCredential>(
      tx,
      sql`SELECT c.id::text AS id, c.name, c.body, c.oauth_provider, c.oauth_client_id::text AS oauth_client_id,
                 c.oauth_status, u.email AS owner_email
          FROM credentials c JOIN users u ON u.id = c.user_id
          WHERE c.id = ${credentialId}
          FOR UPDATE OF c`,
    );
    if (!row) throw new OAuthCredentialError('Credential not found!');
    if (row.oauth_status === 'revoked' || row.oauth_status === 'reauthorization_required') {
      throw new OAuthCredentialError(needsReauthorization(row.name, 'it is not authorised'));
    }
    const current = deps.vault.decryptJson<TokenSet>(toBytes(row.body));
    // Another run refreshed it while this one waited for the lock.
    if (isFresh(deps, current as unknown as Record<string, unknown>)) return current;
    if (!current.refresh_token) {
      failure = { message: 'it has no refresh token', owner: row.owner_email, name: row.name };
    } else {
      try {
        const setup = await oauthProviderSetup(
          deps,
          row.oauth_provider as OAuthProviderKind,
          row.oauth_client_id,
          null,
        );
        const tokens = await client.refreshTokenGrant(setup.configuration, current.refresh_token);
        const next = toTokenSet(tokens, row.oauth_provider as OAuthProviderKind, current);
        await tx.execute(
          sql`UPDATE credentials SET body = ${deps.vault.encryptJson(next)}, oauth_status = 'authorized',
                     oauth_error = NULL, updated_at = now()
              WHERE id = ${credentialId}`,
        );
        await recordAuditEvent(tx, {
          event: 'token_refreshed',
          itemType: 'credential',
          itemId: credentialId,
          actorType: 'system',
        });
        return next;
      } catch (error) {
        if (error instanceof OAuthCredentialError) throw error;
        failure = { message: describeProviderError(error), owner: row.owner_email, name: row.name };
      }
    }
    await tx.execute(
      sql`UPDATE credentials SET oauth_status = 'reauthorization_required',
                 oauth_error = ${failure.message.slice(0, 500)}, updated_at = now()
          WHERE id = ${credentialId}`,
    );
    await recordAuditEvent(tx, {
      event: 'reauthorization_required',
      itemType: 'credential',
      itemId: credentialId,
      actorType: 'system',
      changes: { reason: failure.message.slice(0, 500) },
    });
    return null;
  });
  if (result) return result as unknown as Record<string, unknown>;
  const { message, owner, name } = failure!;
  deps.logger.warn({ credentialId, reason: message }, 'OAuth token refresh failed');
  await notifyOwner(deps, owner, name, credentialId, message);
  throw new OAuthCredentialError(
    needsReauthorization(name, `the token refresh failed: ${message}`),
  );
}

function isFresh(deps: OAuthCredentialDependencies, body: Record<string, unknown>): boolean {
  const expiresAt = typeof body.expires_at === 'string' ? Date.parse(body.expires_at) : Number.NaN;
  // No expiry given: the provider's token does not expire (or says nothing): use it as it is.
  if (Number.isNaN(expiresAt)) return typeof body.access_token === 'string';
  return expiresAt - Date.now() > deps.config.oauth.refreshMarginSeconds * 1000;
}

const needsReauthorization = (name: string, why: string) =>
  `Credential "${name}" needs to be reauthorised by its owner (${why})`;

async function notifyOwner(
  deps: OAuthCredentialDependencies,
  to: string,
  name: string,
  credentialId: string,
  reason: string,
): Promise<void> {
  const link = `${deps.config.http.publicUrl.replace(/\/+$/, '')}/account?credential=${credentialId}`;
  try {
    await deps.mailer.send({
      to,
      subject: `Your credential "${name}" needs to be reauthorised`,
      text: `Lightning could not refresh the OAuth tokens of your credential "${name}", so runs that use it fail until you reauthorise it.\n\nThe provider said: ${reason}\n\nReauthorise it here: ${link}\n`,
    });
  } catch (error) {
    deps.logger.error({ err: error, credentialId }, 'Could not mail the owner of a credential');
  }
}
