import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';
export declare function registerWorkflowRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void>;
