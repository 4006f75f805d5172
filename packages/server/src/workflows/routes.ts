import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';

/** HTTP routes of the workflows context. */
export async function registerWorkflowRoutes(
  _app: FastifyInstance,
  _context: ServerContext,
): Promise<void> {}
