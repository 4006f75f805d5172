import pino, { type Logger } from 'pino';
import { isDatabaseError, summarizeDatabaseError } from './db/index.js';

/**
 * `err` fields as pino writes them, except database errors: Drizzle's message repeats every query
 * parameter (a webhook body, a credential) and drivers put the failing row in `detail`, so those
 * are logged as their summary (operation, SQLSTATE, object names) and never with what was sent.
 */
export function serializeError(error: unknown): unknown {
  const isSummary =
    !(error instanceof Error) && (error as { type?: unknown } | null)?.type === 'DatabaseError';
  if (isSummary) return error; // the error handler logs one as it is
  if (isDatabaseError(error)) return summarizeDatabaseError(error);
  return error instanceof Error ? pino.stdSerializers.err(error) : error;
}

/** The process logger: JSON lines on stdout at LOG_LEVEL, with secrets redacted by path. */
export function createLogger(
  level: string,
  name = 'lightning',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    serializers: { err: serializeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        '*.password',
        '*.secret',
        '*.token',
      ],
      censor: '***',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
