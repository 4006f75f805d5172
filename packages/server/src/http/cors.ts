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
  const api: FastifyCorsOptions = {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    credentials: false,
    // Let browsers cache a preflight for ten minutes rather than asking before every call.
    maxAge: 600,
  };
  await app.register(fastifyCors, {
    delegator: (request, callback) => callback(null, isApi(request) ? api : { origin: false }),
  });
}
