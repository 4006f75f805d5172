import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';

/** HTTP routes of the runs context. */
export async function registerRunRoutes(
  _app: FastifyInstance,
  _context: ServerContext,
): Promise<void> {}
