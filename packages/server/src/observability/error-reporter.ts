// Unexpected errors to Sentry (`@sentry/node`) when SENTRY_DSN is set: the HTTP error handler's
// 500s, failed worker-socket events, failed periodic tasks. One client per server instance (not
// the SDK's global `init`), so two servers in one process never share a DSN, and without the
// SDK's automatic instrumentation (OpenTelemetry, console, HTTP breadcrumbs): the events carry the
// error, its stack, the route pattern and ids, nothing else.
//
// What must never reach Sentry: request bodies (webhook payloads are the users' data), headers
// and cookies (tokens, sessions), dataclips, credentials, query strings. Events are built here
// from the error alone plus the tags the caller names, and `beforeSend` drops any request, user,
// breadcrumb or extra data that an integration might still have added.
import { readFileSync } from 'node:fs';
import {
  defaultStackParser,
  linkedErrorsIntegration,
  makeNodeTransport,
  NodeClient,
  Scope,
} from '@sentry/node';
import { isDatabaseError, summarizeDatabaseError } from '../db/index.js';

export interface ErrorContext {
  /** Low-cardinality facts (route pattern, HTTP method, run id, task name): become tags. */
  tags?: Record<string, string | undefined>;
}

export interface ErrorReporter {
  /** True when errors are sent somewhere (SENTRY_DSN set). */
  readonly isEnabled: boolean;
  captureException(error: unknown, context?: ErrorContext): void;
  /** Waits until queued events are sent (or the timeout passes); true when all were sent. */
  flush(timeoutMs?: number): Promise<boolean>;
  close(timeoutMs?: number): Promise<void>;
}

export interface ErrorReporterOptions {
  /** SENTRY_DSN; no reporting without it. */
  dsn: string | undefined;
  /** SENTRY_ENVIRONMENT, else NODE_ENV's meaning (`production`/`development`). */
  environment: string;
  /** What reports (`server`): the events' `component` tag. */
  component: string;
}

/** The package's version: the events' release (`lightning@0.1.0`). */
export const RELEASE = `lightning@${
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version
}`;

/**
 * The error as it may be sent. A database error is replaced by its summary (operation, SQLSTATE,
 * table; db/error-summary.ts) with the original stack frames: Drizzle's message repeats every
 * query parameter (a webhook body, a credential) and drivers quote the failing row, exactly what
 * must not leave the server. The same rule the log's `err` serializer follows (logger.ts).
 */
function reportable(error: unknown): unknown {
  if (!isDatabaseError(error)) return error;
  const summary = summarizeDatabaseError(error);
  const safe = new Error(
    [summary.operation, summary.code, summary.table, summary.message]
      .filter((part) => part !== undefined)
      .join(': '),
  );
  safe.name = 'DatabaseError';
  const frames = String((error as Error).stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line));
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}

const disabled: ErrorReporter = {
  isEnabled: false,
  captureException: () => {},
  flush: async () => true,
  close: async () => {},
};

export function createErrorReporter(options: ErrorReporterOptions): ErrorReporter {
  if (!options.dsn) return disabled;
  const client = new NodeClient({
    dsn: options.dsn,
    release: RELEASE,
    environment: options.environment,
    transport: makeNodeTransport,
    stackParser: defaultStackParser,
    // Only the chain of causes; no request data, console or HTTP breadcrumbs, no local variables.
    integrations: [linkedErrorsIntegration()],
    maxBreadcrumbs: 0,
    beforeSend: (event) => {
      delete event.request;
      delete event.user;
      delete event.breadcrumbs;
      delete event.extra;
      return event;
    },
  });
  client.init();
  const scope = new Scope();
  scope.setClient(client);
  scope.setTag('component', options.component);
  return {
    isEnabled: true,
    captureException: (error, context = {}) => {
      const tags = Object.fromEntries(
        Object.entries(context.tags ?? {}).filter(([, value]) => value !== undefined),
      ) as Record<string, string>;
      scope.captureException(reportable(error), { captureContext: { tags } });
    },
    flush: async (timeoutMs = 5_000) => await client.flush(timeoutMs),
    close: async (timeoutMs = 5_000) => {
      await client.close(timeoutMs);
    },
  };
}

/** Fields of a log line that may become tags: ids and names, never values or payloads. */
const TAGGED_FIELDS = ['runId', 'event', 'topic', 'route', 'method', 'triggerId', 'workflowId'];

/**
 * The logger, reporting every `error`/`fatal` line that carries an error (`{ err }`) to Sentry
 * as well: the server logs each unexpected failure exactly once at error level, so this one place
 * sees them all (HTTP 500s, failed socket events, failed periodic rounds) without each site
 * knowing about Sentry. Children (Fastify's per-request loggers) report too.
 */
export function reportErrorLogs<L extends object>(logger: L, reporter: ErrorReporter): L {
  return new Proxy(logger, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'error' || property === 'fatal') {
        return (first: unknown, ...rest: unknown[]) => {
          report(reporter, first, rest[0]);
          return value.call(target, first, ...rest);
        };
      }
      if (property === 'child') {
        return (...args: unknown[]) => reportErrorLogs(value.apply(target, args), reporter);
      }
      return value.bind(target);
    },
  });
}

function report(reporter: ErrorReporter, first: unknown, message: unknown): void {
  const fields = first instanceof Error ? { err: first } : (first as Record<string, unknown>);
  const error = fields && typeof fields === 'object' ? fields.err : undefined;
  if (!(error instanceof Error)) return;
  const tags: Record<string, string | undefined> = {
    log_message: typeof message === 'string' ? message.slice(0, 200) : undefined,
  };
  for (const field of TAGGED_FIELDS) {
    const fieldValue = fields[field];
    if (typeof fieldValue === 'string') tags[field] = fieldValue.slice(0, 200);
  }
  reporter.captureException(error, { tags });
}
