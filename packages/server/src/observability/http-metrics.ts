// Times every HTTP response into the metrics, labelled by route pattern (never the raw URL, whose
// ids would make a series per run), and counts webhook answers by status.
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from './metrics.js';

/** Installs the hook; call before any route is registered. */
export function installHttpMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const status = String(reply.statusCode);
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: status },
      reply.elapsedTime / 1000,
    );
    if (route === '/i/*') metrics.webhookRequests.inc({ status_code: status });
  });
}
