// What may be said about a database error, to a log or to a client, without repeating what the
// client sent. Drizzle's DrizzleQueryError puts every query parameter in its message
// ("Failed query: … params: <webhook body>") and node-postgres/PGlite errors carry the failing row
// in `detail` and a rejected value in the message of data exceptions (`invalid input syntax for
// type uuid: "…"`). So a summary keeps the operation (statement verb and table), the SQLSTATE code
// and the schema object names, and the server's message only for classes whose messages name
// objects, never values.

export interface DatabaseErrorSummary {
  type: 'DatabaseError';
  /** e.g. `insert into dataclips`, read from the statement text (never its parameters). */
  operation?: string;
  /** SQLSTATE, e.g. `22P05`; absent for errors without one (connection loss). */
  code?: string;
  table?: string;
  column?: string;
  constraint?: string;
  /** The server's message, for classes whose messages never quote a value. */
  message?: string;
}

interface ErrorFields {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  query?: unknown;
  params?: unknown;
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * SQLSTATE classes whose messages may quote a value: 22 data exceptions (`invalid input syntax for
 * type json: "…"`), 23 integrity violations (the row is in `detail`, which is never kept anyway),
 * 42 syntax errors that echo a literal, P0 raised exceptions.
 */
const VALUE_QUOTING_CLASSES = new Set(['22', '23', '42', 'P0']);

/** The errors of one failure, outermost first (Drizzle wraps the driver's error as its cause). */
function chain(error: unknown): ErrorFields[] {
  const links: ErrorFields[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') break;
    links.push(current as ErrorFields);
    current = (current as ErrorFields).cause;
  }
  return links;
}

/** The SQLSTATE of a database error (looking through Drizzle's wrapper), or undefined. */
export function sqlState(error: unknown): string | undefined {
  for (const link of chain(error)) {
    if (typeof link.code === 'string' && SQLSTATE.test(link.code)) return link.code;
  }
  return undefined;
}

/** True for errors that came from a database statement (Drizzle's wrapper or a driver's error). */
export function isDatabaseError(error: unknown): boolean {
  return chain(error).some(
    (link) =>
      (typeof link.query === 'string' && 'params' in link) ||
      (typeof link.code === 'string' && SQLSTATE.test(link.code)),
  );
}

/**
 * A value the client sent that the database refuses to hold: SQLSTATE class 22 (data exception:
 * a NUL character, an invalid Unicode escape, a malformed number or date, a value too long) or
 * 54 (program limit exceeded: a value too large for an index, a document nested too deep).
 * Our own statements only pass such values through from requests, so these are answered 4xx.
 */
export function isRefusedValueError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('54'));
}

/** `insert into dataclips` for the statement text of a query, or undefined. */
export function statementOperation(query: string): string | undefined {
  const verb = /\b(insert\s+into|update|delete\s+from)\s+"?([A-Za-z_][\w]*)"?/i.exec(query);
  if (verb) return `${verb[1]!.toLowerCase().replace(/\s+/, ' ')} ${verb[2]}`;
  const select = /\bselect\b[\s\S]*?\bfrom\s+"?([A-Za-z_][\w]*)"?/i.exec(query);
  if (select) return `select from ${select[1]}`;
  const first = /^\s*([A-Za-z]+)/.exec(query);
  return first ? first[1]!.toLowerCase() : undefined;
}

/** The loggable summary of a database error: operation, code, object names; no values. */
export function summarizeDatabaseError(error: unknown): DatabaseErrorSummary {
  const summary: DatabaseErrorSummary = { type: 'DatabaseError' };
  const links = chain(error);
  for (const link of links) {
    if (summary.operation === undefined && typeof link.query === 'string') {
      summary.operation = statementOperation(link.query);
    }
    for (const name of ['table', 'column', 'constraint'] as const) {
      const value = link[name];
      if (summary[name] === undefined && typeof value === 'string' && value) summary[name] = value;
    }
  }
  const code = sqlState(error);
  if (code) summary.code = code;
  // The driver's own message (the innermost link with a code), when its class never quotes values.
  const driverError = links.find((link) => link.code === code && code !== undefined);
  if (
    code &&
    driverError &&
    typeof driverError.message === 'string' &&
    !VALUE_QUOTING_CLASSES.has(code.slice(0, 2))
  ) {
    summary.message = driverError.message;
  }
  // Errors without a SQLSTATE (a lost connection): the innermost message and Node's code, never
  // the "Failed query: … params: …" text of a wrapper.
  if (!code) {
    const innermost = links[links.length - 1];
    if (typeof innermost?.message === 'string') {
      const message = withoutQuery(innermost.message);
      if (message !== undefined) summary.message = message;
    }
    if (typeof innermost?.code === 'string' && /^E[A-Z_]+$/.test(innermost.code)) {
      summary.code = innermost.code;
    }
  }
  return summary;
}

/** A message without Drizzle's "Failed query: … params: …" text. */
function withoutQuery(message: string): string | undefined {
  if (!message.startsWith('Failed query:') && !message.includes('\nparams:')) return message;
  return undefined;
}
