// Wires metrics into the HTTP app: the request timings always, `/metrics` when PROMEX_ENABLED.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';
import { installHttpMetrics } from './http-metrics.js';
import { registerMetricsRoute } from './metrics-route.js';

export function registerObservabilityRoutes(app: FastifyInstance, context: ServerContext): void {
  const { config, metrics, logger } = context;
  installHttpMetrics(app, metrics);
  if (!config.metrics.enabled) return;
  let token: string | undefined;
  if (config.metrics.authorizationRequired) {
    token = config.metrics.token;
    if (token === undefined) {
      // As the seed says, a random token when none is set. It is printed this once, so the
      // operator can copy it into a scrape job; set PROMEX_METRICS_ENDPOINT_TOKEN to keep one
      // across restarts.
      token = randomBytes(32).toString('base64url');
      logger.warn(
        `PROMEX_METRICS_ENDPOINT_TOKEN is not set: until this node restarts, /metrics takes the bearer token ${token}`,
      );
    }
  }
  registerMetricsRoute(app, { metrics, token, scheme: config.metrics.endpointScheme });
}
