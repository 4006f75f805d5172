import { isTransientDatabaseError } from '../db/index.js';
import {
  HttpError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../http/errors.js';
import { findWebhookTarget } from '../workflows/index.js';
import { checkWebhookAuth } from './webhook-auth.js';
import { checkDeclaredLength, parseWebhookBody, readBodyWithin } from './webhook-body.js';
import { RetryExhaustedError, withRetry } from './webhook-retry.js';
import { storeWebhookWorkOrder } from './webhook-store.js';

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
export async function registerWebhookRoutes(app, deps) {
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
async function handleWebhook(deps, request, reply) {
  const stream = request.body;
  try {
    return await ingest(deps, request, reply, stream);
  } catch (error) {
    if (stream && !stream.readableEnded) closeAfterReply(request, reply, error);
    throw error;
  }
}
async function ingest(deps, request, reply, stream) {
  checkDeclaredLength(request.raw, deps.maxBodyBytes);
  const path = request.params['*'] ?? '';
  const segment = path.split('/')[0] ?? '';
  const target = await retrying(deps, () => findWebhookTarget(deps.db, segment));
  if (!target) throw new NotFoundError('Webhook not found');
  const auth = checkWebhookAuth(target.authMethods, request.headers, deps.vault);
  if (auth === 'missing') throw new UnauthorizedError('Unauthorized');
  if (auth === 'wrong') throw new NotFoundError('Webhook not found');
  if (request.method === 'GET' || request.method === 'HEAD') {
    return reply.send({ message: FOUND_MESSAGE });
  }
  if (!target.trigger.enabled) return reply.status(403).send(DISABLED_BODY);
  const body = await readWebhookBody(stream, deps.maxBodyBytes, request.headers['content-type']);
  const metadata = {
    method: request.method,
    path: ['i', ...path.split('/').filter(Boolean)],
    query_params: { ...request.query },
    headers: Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !SECRET_HEADERS.has(name)),
    ),
  };
  const idempotencyKey = headerValue(request.headers['idempotency-key']);
  const stored = await retrying(deps, () =>
    storeWebhookWorkOrder(deps, target, body, metadata, idempotencyKey),
  );
  reply.header('x-meta-work-order-id', stored.workOrderId);
  if (stored.runId) reply.header('x-meta-run-id', stored.runId);
  return reply.send({ work_order_id: stored.workOrderId });
}
/**
 * Reads and parses the body in a frame of its own, so the raw bytes are garbage as soon as the
 * parsed value exists: a large body is not held twice while the work order is stored.
 */
async function readWebhookBody(stream, limit, contentType) {
  const raw = stream ? await readBodyWithin(stream, limit) : Buffer.alloc(0);
  return parseWebhookBody(raw, contentType);
}
function headerValue(value) {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first.slice(0, 255);
}
/** Runs a database step under the webhook retry policy; 503 with Retry-After when it gives up. */
async function retrying(deps, operation) {
  try {
    return await withRetry(operation, {
      policy: deps.retry,
      isRetryable: isTransientDatabaseError,
      clock: deps.clock,
      onRetry: (attempt, error, delayMs) =>
        deps.logger.warn(
          { attempt, delayMs, err: error?.message },
          'webhook: transient database error, retrying',
        ),
    });
  } catch (error) {
    if (!(error instanceof RetryExhaustedError)) throw error;
    deps.logger.error(
      { attempts: error.attempts, elapsedMs: Math.round(error.elapsedMs) },
      `webhook: database unavailable, giving up: ${error.cause?.message}`,
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
function closeAfterReply(request, reply, error) {
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
//# sourceMappingURL=webhook.js.map
