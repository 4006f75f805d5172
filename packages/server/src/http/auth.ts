// Who is calling: every request gets `request.actor`, resolved once from either a personal access
// token (`Authorization: Bearer …`, the REST and provisioning APIs) or the signed session cookie (the
// web app). Routes then ask `requireActor(request)` and the projects policy what that actor may do.
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findTokenUser, type TokenUser, touchToken } from '../accounts/tokens.js';
import { findTokenConnection } from '../vcs/connection-token.js';
import type { ServerContext } from './context.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

export const SESSION_COOKIE = 'lightning_session';
/** Sessions last 60 days, as in Lightning; signing out or "sign out everywhere" ends them sooner. */
export const SESSION_MAX_AGE_SECONDS = 60 * 24 * 60 * 60;

export type AuthenticatedUser = Omit<TokenUser, 'disabled'>;

export interface Actor {
  user: AuthenticatedUser;
  /** How the caller proved who they are. */
  via: 'session' | 'api_token';
  /** The `user_tokens` row behind the session or the access token. */
  tokenId: string;
}

/**
 * A project's GitHub repository calling back (its Actions, with the connection token as bearer): it
 * may only provision and read its own project, and is the actor of what it changes.
 */
export interface RepoConnectionCaller {
  id: string;
  projectId: string;
  repo: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    repoConnection: RepoConnectionCaller | null;
  }
}

/** The caller, or 401 `{"error":"Unauthorized"}` (Lightning's answer) when nobody is signed in. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError();
  return request.actor;
}

/** The caller when they are a superuser (instance administration), else 401/403. */
export function requireSuperuser(request: FastifyRequest): Actor {
  const actor = requireActor(request);
  if (actor.user.role !== 'superuser') throw new ForbiddenError('Only superusers may do this');
  return actor;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Registers the cookie plugin (signed with SECRET_KEY_BASE) and the hook resolving `request.actor`.
 * Webhook ingestion and the worker socket authenticate by other means and skip the lookup.
 */
export async function installAuthentication(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, config } = context;
  // Without SECRET_KEY_BASE (development without a data directory) sessions last one process.
  const secret = config.http.secretKeyBase ?? randomBytes(48).toString('base64url');
  await app.register(fastifyCookie, { secret });
  app.decorateRequest('actor', null);
  app.decorateRequest('repoConnection', null);
  const connectionSecret = config.github.enabled
    ? config.github.repoConnectionSigningSecret
    : undefined;
  app.addHook('onRequest', async (request) => {
    const url = request.url;
    // /metrics checks its own bearer token (PROMEX_METRICS_ENDPOINT_TOKEN), not an API token.
    if (
      url.startsWith('/i/') ||
      url.startsWith('/worker') ||
      url === '/health' ||
      url === '/metrics'
    ) {
      return;
    }
    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      // A bad bearer token is not silently downgraded to the session: the caller meant the token.
      const found = await findTokenUser(db, bearer, 'api', null);
      if (!found) {
        if (connectionSecret) {
          request.repoConnection =
            (await findTokenConnection(db, connectionSecret, bearer)) ?? null;
        }
        return;
      }
      if (shouldTouch(found.tokenId)) await touchToken(db, found.tokenId);
      request.actor = { user: publicUser(found.user), via: 'api_token', tokenId: found.tokenId };
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return;
    const unsigned = request.unsignCookie(cookie);
    if (!unsigned.valid || !unsigned.value) return;
    const found = await findTokenUser(db, unsigned.value, 'session', SESSION_MAX_AGE_SECONDS);
    if (!found) return;
    request.actor = { user: publicUser(found.user), via: 'session', tokenId: found.tokenId };
  });
}

/**
 * `last_used_at` is kept to the minute, so a node need not ask the database on every call of a busy
 * API client: it remembers when it last stamped each token (bounded, forgotten oldest first).
 */
const lastTouched = new Map<string, number>();
const TOUCH_EVERY_MS = 60_000;
const REMEMBERED_TOKENS = 10_000;

function shouldTouch(tokenId: string, now = Date.now()): boolean {
  const last = lastTouched.get(tokenId);
  if (last !== undefined && now - last < TOUCH_EVERY_MS) return false;
  lastTouched.delete(tokenId);
  lastTouched.set(tokenId, now);
  if (lastTouched.size > REMEMBERED_TOKENS) {
    lastTouched.delete(lastTouched.keys().next().value as string);
  }
  return true;
}

function publicUser(user: TokenUser): AuthenticatedUser {
  const { disabled: _disabled, ...rest } = user;
  return rest;
}
