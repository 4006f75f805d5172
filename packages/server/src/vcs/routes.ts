// The HTTP surface of version control, registered by the app assembly.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';
import { registerConnectionRoutes } from './connection-routes.js';
import { registerGitHubUserRoutes } from './user-routes.js';

export async function registerVersionControlRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const github = await registerGitHubUserRoutes(app, context);
  if (github) await registerConnectionRoutes(app, context, github);
}
