import pino, { type Logger } from 'pino';

/** The process logger: JSON lines on stdout at LOG_LEVEL, with secrets redacted by path. */
export function createLogger(level: string, name = 'lightning'): Logger {
  return pino({
    name,
    level,
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
  });
}
