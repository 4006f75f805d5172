// CORS on the API (`/api/…`), preflights included, for the origins CORS_ORIGIN lists (default `*`,
// as in OpenFn Lightning). Credentials are never allowed cross-origin: a page elsewhere may call the
// API with a bearer token, never with the browser's session cookie (see origin-check.ts for that).
// Other paths (the web app, webhooks, sockets) answer no CORS headers and no preflight.
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';

function isApi(request: FastifyRequest): boolean {
  return (
    request.url === '/api' || request.url.startsWith('/api/') || request.url.startsWith('/api?')
  );
}

export async function registerApiCors(app: FastifyInstance, config: Config): Promise<void> {
  const origins = config.http.corsOrigins;
  const anyOrigin = origins.includes('*');
  const api = (origin: string | false): FastifyCorsOptions => ({
    origin,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    credentials: false,
    // Let browsers cache a preflight for ten minutes rather than asking before every call.
    maxAge: 600,
  });
  await app.register(fastifyCors, {
    // Per request: an origin that is not listed gets no CORS headers, and its preflight a 404.
    delegator: (request, callback) => {
      if (!isApi(request)) return callback(null, { origin: false });
      if (anyOrigin) return callback(null, api('*'));
      const origin = request.headers.origin;
      callback(null, api(origin !== undefined && origins.includes(origin) ? origin : false));
    },
  });
}
