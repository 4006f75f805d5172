// Webhook ingestion: `/i/<trigger id or custom path>[/<anything>]`.
//
// Order of decisions, each answered without reading more of the body than needed:
//   declared Content-Length over MAX_DATACLIP_SIZE_MB → 413 (before any database work)
//   unknown trigger → 404 {"error":"Webhook not found"}
//   auth methods: no credentials → 401, wrong ones → 404 (existence is not revealed)
//   GET/HEAD → 200, Lightning's "trigger found" message (no work order)
//   disabled trigger → 403 {"error":"trigger_disabled", …}
//   body streamed and counted: over the limit → 413; unparseable for its type → 415
//   dataclip + work order + run stored (retried on transient database errors with the
//   WEBHOOK_RETRY_* backoff; after the budget → 503 with Retry-After)
//   → 200 {"work_order_id": …}, only after the commit; or, for triggers replying
//     after_completion, the run's outcome once it finished (webhook-reply.ts).
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from '../cluster/index.js';
import { type Database, isTransientDatabaseError } from '../db/index.js';
import {
  HttpError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../http/errors.js';
import type { createWorkOrder } from '../runs/index.js';
import type { Vault } from '../vault/index.js';
import { findWebhookTarget } from '../workflows/index.js';
import { checkWebhookAuth } from './webhook-auth.js';
import {
  checkDeclaredLength,
  checkStorable,
  parseWebhookBody,
  readDecodedBody,
} from './webhook-body.js';
import { replyForOutcome, watchRunCompletion } from './webhook-reply.js';
import {
  type RetryClock,
  RetryExhaustedError,
  type RetryPolicy,
  withRetry,
} from './webhook-retry.js';
import { type HttpRequestMetadata, storeWebhookWorkOrder } from './webhook-store.js';

export interface WebhookDependencies {
  db: Database;
  vault: Vault;
  bus: Bus;
  logger: Logger;
  /** MAX_DATACLIP_SIZE_MB in bytes. */
  maxBodyBytes: number;
  retry: RetryPolicy;
  /** runs.createWorkOrder; a test passes a wrapper that fails to simulate a database outage. */
  createWorkOrder: typeof createWorkOrder;
  clock?: RetryClock;
  /** How long an after_completion request waits for its run (default 30 s, as Lightning). */
  replyTimeoutMs?: number;
}

const REPLY_TIMEOUT_MS = 30_000;

/** Headers that carry secrets never reach a dataclip. */
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization']);

const FOUND_MESSAGE = 'OpenFn webhook trigger found. Make a POST request to execute this workflow.';

const DISABLED_BODY = {
  error: 'trigger_disabled',
  message:
    'Unable to process request, trigger is disabled. Enable it on OpenFn to allow requests to this endpoint.',
};

/** How long a refused upload may keep streaming into the void before its connection is cut. */
const LINGER_MS = 1_000;

export async function registerWebhookRoutes(
  app: FastifyInstance,
  deps: WebhookDependencies,
): Promise<void> {
  // An encapsulated scope: here no body parser runs; the handler gets the raw request stream and
  // counts it itself, so nothing is buffered before the limit is checked.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/i/*',
      handler: (request, reply) => handleWebhook(deps, request, reply),
    });
  });
}

async function handleWebhook(
  deps: WebhookDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const stream = request.body as Readable | undefined;
  try {
    return await ingest(deps, request, reply, stream);
  } catch (error) {
    if (stream && !stream.readableEnded) closeAfterReply(request, reply, error);
    throw error;
  }
}

async function ingest(
  deps: WebhookDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
  stream: Readable | undefined,
): Promise<unknown> {
  checkDeclaredLength(request.raw, deps.maxBodyBytes);
  const path = (request.params as { '*': string })['*'] ?? '';
  const segment = path.split('/')[0] ?? '';
  // No trigger id or custom path holds a NUL (and PostgreSQL text cannot even be compared with one).
  if (segment.includes('\u0000')) throw new NotFoundError('Webhook not found');
  const target = await retrying(deps, () => findWebhookTarget(deps.db, segment));
  if (!target) throw new NotFoundError('Webhook not found');

  const auth = checkWebhookAuth(target.authMethods, request.headers, deps.vault);
  if (auth === 'missing') throw new UnauthorizedError('Unauthorized');
  if (auth === 'wrong') throw new NotFoundError('Webhook not found');

  if (request.method === 'GET' || request.method === 'HEAD') {
    return reply.send({ message: FOUND_MESSAGE });
  }
  if (!target.trigger.enabled) return reply.status(403).send(DISABLED_BODY);

  const body = await readWebhookBody(stream, deps.maxBodyBytes, request.headers);
  const query = { ...(request.query as Record<string, unknown>) };
  checkStorable(query, 'query');
  checkStorable(path, 'path');
  const metadata: HttpRequestMetadata = {
    method: request.method,
    path: ['i', ...path.split('/').filter(Boolean)],
    query_params: query,
    headers: Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !SECRET_HEADERS.has(name)),
    ),
  };
  const idempotencyKey = headerValue(request.headers['idempotency-key']);
  // after_completion: someone waits on this run, so it goes to the front (the manual queue, as
  // runs people start), and its completion is watched from before it exists.
  const sync = target.trigger.webhook_reply === 'after_completion';
  const watcher = sync ? watchRunCompletion(deps.bus, deps.db) : undefined;
  let stored: Awaited<ReturnType<typeof storeWebhookWorkOrder>>;
  try {
    stored = await retrying(deps, () =>
      storeWebhookWorkOrder(
        deps,
        target,
        body,
        metadata,
        idempotencyKey,
        sync ? { priority: 'immediate', queue: 'manual' } : {},
      ),
    );
  } catch (error) {
    watcher?.close();
    throw error;
  }
  reply.header('x-meta-work-order-id', stored.workOrderId);
  if (stored.runId) reply.header('x-meta-run-id', stored.runId);
  if (!watcher || !stored.runId) {
    watcher?.close();
    return reply.send({ work_order_id: stored.workOrderId });
  }
  const outcome = await watcher.wait(stored.runId, deps.replyTimeoutMs ?? REPLY_TIMEOUT_MS);
  if (!outcome) {
    return reply.status(504).send({
      error: 'timeout',
      message: 'Workflow did not complete within timeout period',
      work_order_id: stored.workOrderId,
    });
  }
  const answer = replyForOutcome(outcome, stored.runId);
  return reply.status(answer.status).send(answer.body);
}

/**
 * Reads and parses the body in a frame of its own, so the raw bytes are garbage as soon as the
 * parsed value exists: a large body is not held twice while the work order is stored.
 */
async function readWebhookBody(
  stream: Readable | undefined,
  limit: number,
  headers: FastifyRequest['headers'],
): Promise<unknown> {
  const raw = stream
    ? await readDecodedBody(stream, headers['content-encoding'], limit)
    : Buffer.alloc(0);
  return parseWebhookBody(raw, headers['content-type']);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first.slice(0, 255);
}

/** Runs a database step under the webhook retry policy; 503 with Retry-After when it gives up. */
async function retrying<T>(deps: WebhookDependencies, operation: () => Promise<T>): Promise<T> {
  try {
    return await withRetry(operation, {
      policy: deps.retry,
      isRetryable: isTransientDatabaseError,
      clock: deps.clock,
      onRetry: (attempt, error, delayMs) =>
        deps.logger.warn(
          { attempt, delayMs, err: error },
          'webhook: transient database error, retrying',
        ),
    });
  } catch (error) {
    if (!(error instanceof RetryExhaustedError)) throw error;
    deps.logger.error(
      { attempts: error.attempts, elapsedMs: Math.round(error.elapsedMs), err: error.cause },
      'webhook: database unavailable, giving up',
    );
    throw new ServiceUnavailableError(
      'Unable to process request due to temporary database issues. Please try again later.',
      error.retryAfterSeconds,
    );
  }
}

/**
 * The request is answered while its body is still arriving (refused early). Tell the client the
 * connection ends, and once the answer is out, let the rest drain into nothing for a moment so
 * the client can read the answer (closing a socket with unread input resets it, and a reset can
 * destroy the answer in flight), then cut it: a 1 GB upload is never read to its end.
 */
function closeAfterReply(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const socket = request.raw.socket;
  const refused = error instanceof PayloadTooLargeError || error instanceof HttpError;
  if (!refused) return;
  reply.header('connection', 'close');
  reply.raw.once('finish', () => {
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}
