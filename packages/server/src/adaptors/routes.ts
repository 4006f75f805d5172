// `GET /api/adaptors`: the adaptors the workflow editor offers, with versions and function names.
import type { FastifyInstance } from 'fastify';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { createAdaptorRegistry } from './registry.js';

export async function registerAdaptorRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const registry = createAdaptorRegistry(
    context.config.workers.adaptorsRegistryJsonPath,
    context.logger,
  );
  app.get('/api/adaptors', async (request) => {
    requireActor(request);
    return { data: await registry.list() };
  });
}
