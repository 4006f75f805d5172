import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError, ServiceUnavailableError } from './errors.js';

/** Installs the error and not-found handlers: typed errors keep their status and message. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      if (error instanceof ServiceUnavailableError && error.retryAfterSeconds !== undefined) {
        reply.header('retry-after', String(error.retryAfterSeconds));
      }
      return reply.status(error.statusCode).send({ error: error.message, ...error.details });
    }
    // Fastify's own client errors (bad JSON, body too large, unsupported type) carry a 4xx status.
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: 'Internal server error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );
}
