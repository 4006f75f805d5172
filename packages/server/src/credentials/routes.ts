// HTTP routes of the credentials context: parse → call → shape. Who may do what is decided in
// credentials.ts (ownership) and the projects policy (sharing needs admin in the project).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { HttpError, NotFoundError } from '../http/errors.js';
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
import {
  finishOAuthCredential,
  OAuthCallbackError,
  type OAuthCredentialDependencies,
  reauthorizeOAuthCredential,
  revokeOAuthCredential,
  startOAuthCredential,
} from './oauth-credentials.js';
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

  const oauth: OAuthCredentialDependencies = {
    db,
    vault,
    config,
    mailer: context.mailer,
    logger: context.logger,
  };

  // ── OAuth credentials: the browser goes to the provider and comes back to the callback ────
  app.post('/api/credentials/oauth', async (request) => ({
    data: await startOAuthCredential(oauth, requireActor(request), request.body),
  }));

  app.post<IdParams>('/api/credentials/:id/reauthorize', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Credential');
    return { data: await reauthorizeOAuthCredential(oauth, actor, id, request.body) };
  });

  app.post<IdParams>('/api/credentials/:id/revoke', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Credential');
    await revokeOAuthCredential(oauth, actor, id);
    return { data: await getCredential(deps, actor, id) };
  });

  // The redirect URI registered at Google and Salesforce (Lightning's path). It always lands in
  // the web app: `?oauth=authorized&credential_id=…`, or `?oauth_error=…` with the reason.
  app.get('/authenticate/callback', async (request, reply) => {
    const callbackUrl = new URL(request.url, config.http.publicUrl);
    try {
      const done = await finishOAuthCredential(oauth, request.actor, callbackUrl);
      const target = new URL(done.returnTo, 'http://app');
      target.searchParams.set('oauth', 'authorized');
      target.searchParams.set('credential_id', done.credentialId);
      return reply.redirect(`${target.pathname}${target.search}`, 303);
    } catch (error) {
      const message =
        error instanceof OAuthCallbackError || error instanceof HttpError
          ? error.message
          : 'The authorization could not be completed: try again later';
      if (!(error instanceof OAuthCallbackError)) {
        context.logger.error({ err: error }, 'OAuth callback failed');
      }
      return reply.redirect(`/account?oauth_error=${encodeURIComponent(message)}`, 303);
    }
  });

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
