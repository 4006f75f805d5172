// One place that decides whether a database error is transient — worth retrying after a pause —
// or permanent. Webhook ingestion retries transient errors with its backoff; start-up retries them
// while waiting for the database. Classes follow PostgreSQL's SQLSTATE codes.

const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '58000', // system_error
  '58030', // io_error
]);

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /terminating connection/i,
  /client has encountered a connection error/i,
  /Connection ended unexpectedly/i,
];

/** True when retrying the same statement later may succeed (connection loss, restart, contention). */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message, cause } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') {
      // SQLSTATE class 08: connection exceptions.
      if (code.startsWith('08') && code.length === 5) return true;
      if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code)) return true;
    }
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message)))
      return true;
    if (current instanceof AggregateError && current.errors.some(isTransientDatabaseError))
      return true;
    current = cause;
  }
  return false;
}
