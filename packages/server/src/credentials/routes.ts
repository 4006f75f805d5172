// HTTP routes of the credentials context: parse → call → shape. Who may do what is decided in
// credentials.ts (ownership) and the projects policy (sharing needs admin in the project).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { NotFoundError } from '../http/errors.js';
import {
  type CredentialDependencies,
  createCredential,
  deleteCredential,
  getCredential,
  listCredentials,
  listProjectCredentials,
  shareCredential,
  transferCredential,
  unshareCredential,
  updateCredential,
} from './credentials.js';
import { parseCredentialChanges, parseShare, parseTransfer } from './input.js';
import { credentialSchemasFor } from './schemas.js';

const uuid = z.guid();

function pathId(value: string | undefined, what: string): string {
  if (!uuid.safeParse(value).success) throw new NotFoundError(`${what} ${value} not found`);
  return value!;
}

const forceQuery = z.object({ force: z.enum(['true', 'false']).optional() });
const isForced = (query: unknown) => forceQuery.safeParse(query).data?.force === 'true';

type IdParams = { Params: { id: string } };

export async function registerCredentialRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, vault, config } = context;
  const deps: CredentialDependencies = {
    db,
    vault,
    // Loaded now, so a broken file in SCHEMAS_PATH stops the server at start.
    schemas: credentialSchemasFor(config.schemasPath),
    maxSensitiveValues: config.limits.maxCredentialSensitiveValues,
  };

  app.get('/api/credential_schemas', (request) => {
    requireActor(request);
    return { data: deps.schemas.list() };
  });

  app.get('/api/credentials', async (request) => ({
    data: await listCredentials(deps, requireActor(request)),
  }));

  app.post('/api/credentials', async (request, reply) => {
    const credential = await createCredential(deps, requireActor(request), request.body);
    return reply
      .status(201)
      .header('location', `/api/credentials/${credential.id}`)
      .send({ data: credential });
  });

  app.get<IdParams>('/api/credentials/:id', async (request) => ({
    data: await getCredential(deps, requireActor(request), pathId(request.params.id, 'Credential')),
  }));

  app.patch<IdParams>('/api/credentials/:id', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Credential');
    return { data: await updateCredential(deps, actor, id, parseCredentialChanges(request.body)) };
  });

  app.delete<IdParams>('/api/credentials/:id', async (request, reply) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Credential');
    await deleteCredential(deps, actor, id, { force: isForced(request.query) });
    return reply.status(204).send();
  });

  app.post<IdParams>('/api/credentials/:id/transfer', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Credential');
    return { data: await transferCredential(deps, actor, id, parseTransfer(request.body)) };
  });

  app.post<IdParams>('/api/credentials/:id/project_credentials', async (request, reply) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Credential');
    const { projectId } = parseShare(request.body);
    return reply.status(201).send({ data: await shareCredential(deps, actor, id, projectId) });
  });

  app.delete<{ Params: { id: string; project_id: string } }>(
    '/api/credentials/:id/project_credentials/:project_id',
    async (request, reply) => {
      const actor = requireActor(request);
      const id = pathId(request.params.id, 'Credential');
      const projectId = pathId(request.params.project_id, 'Project');
      await unshareCredential(deps, actor, id, projectId, { force: isForced(request.query) });
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/credentials',
    async (request) => ({
      data: await listProjectCredentials(
        db,
        requireActor(request),
        pathId(request.params.project_id, 'Project'),
      ),
    }),
  );
}
