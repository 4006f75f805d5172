import type { FastifyError, FastifyInstance } from 'fastify';
import { isRefusedValueError, sqlState, summarizeDatabaseError } from '../db/index.js';
import { HttpError, ServiceUnavailableError } from './errors.js';

/**
 * What a client is told when the database refused a value it sent (SQLSTATE class 22 or 54), by
 * code; the routes validate what they can first, with the field's name, so this is the net under
 * them. The database's own message is not repeated: it may quote the value.
 */
function refusedValueMessage(code: string): string {
  switch (code) {
    case '22021': // character_not_in_repertoire: a NUL byte in text
    case '22P05': // untranslatable_character: \u0000 in JSON
      return 'The request contains a character that cannot be stored: NUL (\\u0000) is not accepted in text';
    case '22P02': // invalid_text_representation (includes a lone surrogate escape in JSON)
      return 'The request contains a value that is not valid for its type (or a lone Unicode surrogate)';
    case '22001':
      return 'A value in the request is too long';
    case '22003':
      return 'A number in the request is out of range';
    case '22007':
    case '22008':
      return 'A date or time in the request is not valid';
    default:
      return code.startsWith('54')
        ? 'A value in the request is too large or too deeply nested to be stored'
        : 'The request contains a value that cannot be stored';
  }
}

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
    if (isRefusedValueError(error)) {
      // A warning with the operation and code only (never the value: it is what the client sent);
      // a route that lets such a value through unvalidated is worth a look, not an alert.
      request.log.warn({ err: summarizeDatabaseError(error) }, 'database refused a request value');
      const code = sqlState(error)!;
      return reply.status(400).send({ error: refusedValueMessage(code), code });
    }
    // The route pattern (never the URL: its query may carry a token) names the failing endpoint
    // in the log and in Sentry (observability/error-reporter.ts).
    request.log.error(
      { err: error, method: request.method, route: request.routeOptions.url },
      'unhandled error',
    );
    return reply.status(500).send({ error: 'Internal server error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );
}
