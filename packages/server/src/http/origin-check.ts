// Which browser origins may use a session (ORIGINS), and the hook that refuses the rest.
//
// A session cookie is SameSite=Lax, but "same site" is wider than "same origin" (any subdomain,
// any port), and a top-level form POST from an old browser still carries it. So every request that
// could act with the cookie (POST, PUT, PATCH, DELETE without a bearer token) must come from an
// allowed origin; the live socket checks the same on its upgrade (sockets/live.ts). Browsers
// always send `Origin` on those requests; a request without one is not from a browser page
// (curl, a server) and is let through, unless `Sec-Fetch-Site` says another site sent it.
//
// Unset ORIGINS means "this instance": its public URL (URL_SCHEME://URL_HOST:URL_PORT), and the
// address the request was sent to (`Host`), so http://127.0.0.1:4000 on LISTEN_ADDRESS works too.
// A foreign page cannot make a browser send our Host with its Origin together with our cookie.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config, OriginPattern } from '../config/index.js';
import { ForbiddenError } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Webhooks and the worker socket never use the session; they answer anyone with a valid secret. */
const NO_SESSION_PREFIXES = ['/i/', '/worker'];
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

export type OriginCheck = (origin: string, host: string | undefined) => boolean;

/**
 * Builds the check from the configuration.
 *
 * @example
 *   const isAllowed = originCheck(config);
 *   isAllowed('https://evil.example', request.headers.host); // false
 */
export function originCheck(config: Config): OriginCheck {
  const listed = config.http.origins;
  if (listed) return (origin) => matchesAny(origin, listed);
  const own = new URL(config.http.publicUrl).origin;
  return (origin, host) => origin === own || sameHost(origin, host);
}

function parseOrigin(origin: string): URL | undefined {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? undefined : url;
  } catch {
    return undefined;
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  const url = parseOrigin(origin);
  return url !== undefined && host !== undefined && url.host === host.toLowerCase();
}

function matchesAny(origin: string, patterns: OriginPattern[]): boolean {
  const url = parseOrigin(origin);
  if (!url) return false;
  const scheme = url.protocol.replace(/:$/, '');
  const port = url.port || DEFAULT_PORTS[url.protocol] || '';
  const host = url.hostname;
  return patterns.some(
    (pattern) =>
      (pattern.scheme === undefined || pattern.scheme === scheme) &&
      (pattern.port === undefined || pattern.port === port) &&
      (pattern.host.startsWith('*.')
        ? host.endsWith(pattern.host.slice(1))
        : pattern.host === host),
  );
}

function hasBearerToken(request: FastifyRequest): boolean {
  return /^Bearer\s/i.test(request.headers.authorization ?? '');
}

/** Whether a request from a browser page of `Origin` may act with this browser's session. */
export function isSessionOriginAllowed(request: FastifyRequest, isAllowed: OriginCheck): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return request.headers['sec-fetch-site'] !== 'cross-site';
  return isAllowed(origin, request.headers.host);
}

/** Refuses (403) state-changing requests that could use the session from an origin not allowed. */
export function installOriginCheck(app: FastifyInstance, config: Config): void {
  const isAllowed = originCheck(config);
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method) || hasBearerToken(request)) return;
    if (NO_SESSION_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return;
    if (isSessionOriginAllowed(request, isAllowed)) return;
    throw new ForbiddenError(
      `Requests from ${request.headers.origin ?? 'another site'} may not use a session here: the origin is not in ORIGINS`,
    );
  });
}
