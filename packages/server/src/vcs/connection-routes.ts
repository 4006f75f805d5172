// HTTP of repository connections: the lists a project admin chooses from (installations →
// repositories → branches, as GitHub returns them to their account) and the project's connection
// (create, sync, verify, disconnect). Registered only when the GitHub App is configured.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { emptyFieldErrors, NotFoundError, ValidationError } from '../http/errors.js';
import { authorize } from '../projects/index.js';
import {
  connectionJson,
  createConnection,
  type Dependencies,
  disconnect,
  findConnection,
  syncToGitHub,
  verifyConnection,
} from './connections.js';
import { type GitHub, gitHubStep } from './github.js';
import { splitRepo } from './repository-files.js';
import { userAccessToken } from './user-authorization.js';

const installationId = z
  .union([z.string().regex(/^\d{1,19}$/), z.number().int().positive()])
  .transform(String);
const connectionBody = z.strictObject({
  installation_id: installationId,
  repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'must be "owner/name"'),
  branch: z
    .string()
    .min(1)
    .max(255)
    .regex(/^(?!-)(?!.*\.\.)[^\s~^:?*[\\]+$/, 'is not a valid branch name'),
  config_path: z
    .string()
    .max(500)
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\s]+$/, 'must be a path inside the repository')
    .nullish()
    .transform((value) => value ?? null),
  sync_direction: z.enum(['deploy', 'pull']).default('deploy'),
});

function parseBody(body: unknown) {
  const parsed = connectionBody.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const errors = emptyFieldErrors();
  for (const issue of parsed.error.issues) {
    const field =
      issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue.path[0] ?? 'body');
    errors[field] = [
      ...(errors[field] ?? []),
      issue.code === 'unrecognized_keys' ? 'is not a field of a connection' : issue.message,
    ];
  }
  throw new ValidationError('The repository connection is not valid', errors);
}

export async function registerConnectionRoutes(
  app: FastifyInstance,
  context: ServerContext,
  github: GitHub,
): Promise<void> {
  const { db, vault, config } = context;
  const deps: Dependencies = { db, github, endpoint: config.http.publicUrl };
  const tokenOf = (userId: string) => userAccessToken(db, vault, github, userId);

  app.get<{ Params: { installation_id: string } }>(
    '/api/github/installations/:installation_id/repositories',
    async (request) => {
      const actor = requireActor(request);
      const id = installationId.safeParse(request.params.installation_id);
      if (!id.success) throw new NotFoundError('No such installation');
      const token = await tokenOf(actor.user.id);
      const repositories = await gitHubStep('listing the repositories of the installation', () =>
        github.user(token).paginate('GET /user/installations/{installation_id}/repositories', {
          installation_id: Number(id.data),
          per_page: 100,
        }),
      );
      return {
        data: repositories.map((repository) => ({
          full_name: repository.full_name,
          default_branch: repository.default_branch,
          private: repository.private,
        })),
      };
    },
  );

  app.get<{ Params: { owner: string; repo: string } }>(
    '/api/github/repositories/:owner/:repo/branches',
    async (request) => {
      const actor = requireActor(request);
      const token = await tokenOf(actor.user.id);
      const { owner, repo } = splitRepo(`${request.params.owner}/${request.params.repo}`);
      const octokit = github.user(token);
      const branches = await gitHubStep(`listing the branches of ${owner}/${repo}`, () =>
        octokit.paginate(octokit.rest.repos.listBranches, { owner, repo, per_page: 100 }),
      );
      return { data: branches.map((branch) => ({ name: branch.name })) };
    },
  );

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/repo_connection',
    async (request) => {
      const { project_id: projectId } = request.params;
      await authorize(db, requireActor(request), projectId, 'project:read');
      const row = await findConnection(db, projectId);
      return {
        data: row ? connectionJson(row) : null,
        install_url: github.installUrl(projectId),
      };
    },
  );

  app.post<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/repo_connection',
    async (request, reply) => {
      const actor = requireActor(request);
      const { project_id: projectId } = request.params;
      await authorize(db, actor, projectId, 'project:update');
      const input = parseBody(request.body);
      const token = await tokenOf(actor.user.id);
      const row = await createConnection(
        deps,
        projectId,
        { userId: actor.user.id, userToken: token },
        input,
      );
      return reply.status(201).send({ data: connectionJson(row) });
    },
  );

  const connectionOf = async (projectId: string) => {
    const row = await findConnection(db, projectId);
    if (!row) throw new NotFoundError('This project is not connected to a repository');
    return row;
  };

  app.post<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/repo_connection/sync',
    async (request) => {
      const actor = requireActor(request);
      const { project_id: projectId } = request.params;
      await authorize(db, actor, projectId, 'provision:write');
      const row = await connectionOf(projectId);
      await syncToGitHub(deps, row, actor.user.email);
      return { data: connectionJson(await connectionOf(projectId)) };
    },
  );

  app.post<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/repo_connection/verify',
    async (request) => {
      const actor = requireActor(request);
      const { project_id: projectId } = request.params;
      await authorize(db, actor, projectId, 'provision:write');
      const result = await verifyConnection(deps, await connectionOf(projectId));
      return { data: connectionJson(await connectionOf(projectId)), verification: result };
    },
  );

  app.delete<{ Params: { project_id: string }; Querystring: { force?: string } }>(
    '/api/projects/:project_id/repo_connection',
    async (request) => {
      const actor = requireActor(request);
      const { project_id: projectId } = request.params;
      await authorize(db, actor, projectId, 'project:update');
      const result = await disconnect(
        deps,
        await connectionOf(projectId),
        actor.user.id,
        request.query.force === 'true',
      );
      return { data: result };
    },
  );
}
