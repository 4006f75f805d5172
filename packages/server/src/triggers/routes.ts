import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';

/** HTTP routes of the triggers context. */
export async function registerTriggerRoutes(
  _app: FastifyInstance,
  _context: ServerContext,
): Promise<void> {}
