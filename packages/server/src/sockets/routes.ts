import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';

/** HTTP routes of the sockets context. */
export async function registerSocketRoutes(
  _app: FastifyInstance,
  _context: ServerContext,
): Promise<void> {}
