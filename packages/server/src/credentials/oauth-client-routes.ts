// HTTP routes of OAuth clients: parse → call → shape. Instance-wide clients are created on
// /api/oauth_clients (superusers), a project's on /api/projects/:project_id/oauth_clients (admins).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { NotFoundError } from '../http/errors.js';
import {
  createOAuthClient,
  deleteOAuthClient,
  getOAuthClient,
  listOAuthClients,
  updateOAuthClient,
} from './oauth-clients.js';

const uuid = z.guid();

function pathId(value: string | undefined, what: string): string {
  if (!uuid.safeParse(value).success) throw new NotFoundError(`${what} ${value} not found`);
  return value!;
}

type IdParams = { Params: { id: string } };
type ProjectParams = { Params: { project_id: string } };

export async function registerOAuthClientRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, vault } = context;

  app.get('/api/oauth_clients', async (request) => ({
    data: await listOAuthClients(db, requireActor(request)),
  }));

  app.post('/api/oauth_clients', async (request, reply) => {
    const client = await createOAuthClient(db, vault, requireActor(request), null, request.body);
    return reply.status(201).send({ data: client });
  });

  app.get<ProjectParams>('/api/projects/:project_id/oauth_clients', async (request) => ({
    data: await listOAuthClients(
      db,
      requireActor(request),
      pathId(request.params.project_id, 'Project'),
    ),
  }));

  app.post<ProjectParams>('/api/projects/:project_id/oauth_clients', async (request, reply) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    const client = await createOAuthClient(db, vault, actor, projectId, request.body);
    return reply.status(201).send({ data: client });
  });

  app.get<IdParams>('/api/oauth_clients/:id', async (request) => ({
    data: await getOAuthClient(
      db,
      requireActor(request),
      pathId(request.params.id, 'OAuth client'),
    ),
  }));

  app.patch<IdParams>('/api/oauth_clients/:id', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'OAuth client');
    return { data: await updateOAuthClient(db, vault, actor, id, request.body) };
  });

  app.delete<IdParams>('/api/oauth_clients/:id', async (request, reply) => {
    const actor = requireActor(request);
    await deleteOAuthClient(db, actor, pathId(request.params.id, 'OAuth client'));
    return reply.status(204).send();
  });
}
