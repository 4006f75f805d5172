import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/index.js';

/** `GET /health`: 200 when the database answers, 503 otherwise (for load balancers and probes). */
export function registerHealthRoute(app: FastifyInstance, database: DatabaseHandle): void {
  app.get('/health', { config: { rateLimit: false } }, async (request, reply) => {
    try {
      await database.ping();
      return { status: 'ok', database: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'health check: database unreachable');
      return reply.status(503).send({ status: 'error', database: 'unreachable' });
    }
  });
}
