// `GET /metrics`: the Prometheus text exposition of the node's registry, when PROMEX_ENABLED.
// As Lightning's MetricsAuth plug: with PROMEX_METRICS_ENDPOINT_AUTHORIZATION_REQUIRED (default)
// the request must carry `Authorization: Bearer <PROMEX_METRICS_ENDPOINT_TOKEN>` AND arrive over
// PROMEX_ENDPOINT_SCHEME (default https, as the request's scheme is seen behind TRUSTED_PROXIES),
// so the token is not accepted over a plain connection by mistake; anything else is 401 with
// `WWW-Authenticate: Bearer`.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerMetrics } from './metrics.js';

export interface MetricsRouteOptions {
  metrics: ServerMetrics;
  /** Undefined when no authorization is required. */
  token: string | undefined;
  /** PROMEX_ENDPOINT_SCHEME. */
  scheme: string;
}

export function registerMetricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  const { metrics, token, scheme } = options;
  app.get('/metrics', { config: { rateLimit: false } }, async (request, reply) => {
    if (token !== undefined && !(request.protocol === scheme && hasToken(request, token))) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'Unauthorized' });
    }
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });
}

function hasToken(request: FastifyRequest, expected: string): boolean {
  const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
