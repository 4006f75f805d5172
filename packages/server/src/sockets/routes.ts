// The worker socket: `GET /worker/websocket`, a Phoenix Channels v2 WebSocket (worker protocol
// §1). The worker's token is checked before the upgrade, so a wrong WORKER_SECRET gets a plain
// HTTP 401 the worker can log, not a socket that closes for no visible reason.
import fastifyWebsocket from '@fastify/websocket';
import {
  readWorkerSocketQuery,
  verifyWorkerToken,
  WORKER_SOCKET_PATH,
  type WorkerTokenClaims,
} from '@lightning/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../http/context.js';
import { registerLiveSocket } from './live.js';
import { readWorkerKeys } from './worker-auth.js';
import { HARD_FRAME_LIMIT_BYTES, WorkerConnection } from './worker-connection.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Claims of the verified worker socket token (worker socket route only). */
    workerClaims?: WorkerTokenClaims;
  }
}

/** HTTP routes of the sockets context. */
export async function registerSocketRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  // ws checks the declared length of each frame before buffering it, so a frame over the hard cap
  // costs no memory; the connection then closes with 1009 (see WorkerConnection for the reason
  // text). Frames over the protocol's MAX_FRAME_SIZE_BYTES but under the cap are refused one by
  // one with an error reply instead, so one oversized event cannot drop a worker's other runs.
  await app.register(fastifyWebsocket, { options: { maxPayload: HARD_FRAME_LIMIT_BYTES } });
  registerLiveSocket(app, context);
  const workerKeys = readWorkerKeys(context.config);
  if (!workerKeys.ok) {
    context.logger.warn(`worker socket disabled: ${workerKeys.reason}`);
  }

  app.get(
    `${WORKER_SOCKET_PATH}/websocket`,
    {
      websocket: true,
      // A global rate limit would also count the upgrade request (and answer it 429).
      config: { rateLimit: false },
      preValidation: async (request, reply) => {
        if (!workerKeys.ok) {
          return reply.code(503).send({ error: `worker socket disabled: ${workerKeys.reason}` });
        }
        const { token } = readWorkerSocketQuery(queryString(request));
        if (!token) {
          request.log.warn('worker refused: no token in the socket URL');
          return reply.code(401).send({ error: 'Unauthorized' });
        }
        const verified = await verifyWorkerToken(workerKeys.keys.secret, token);
        if (!verified.ok) {
          request.log.warn(
            { reason: verified.error.code },
            `worker refused: ${verified.error.message} (is WORKER_SECRET the same on the worker and the server?)`,
          );
          return reply.code(401).send({ error: 'Unauthorized' });
        }
        request.workerClaims = verified.value;
      },
    },
    (socket, request) => {
      if (!workerKeys.ok || !request.workerClaims) {
        socket.close(1008, 'unauthorized');
        return;
      }
      new WorkerConnection(socket, {
        context,
        keys: workerKeys.keys,
        workerId: request.workerClaims.worker_id,
        logger: request.log,
      }).start();
    },
  );
}

function queryString(request: FastifyRequest): string {
  const index = request.url.indexOf('?');
  return index === -1 ? '' : request.url.slice(index + 1);
}
