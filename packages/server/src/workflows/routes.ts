// HTTP routes of the workflows context: authorize → parse → call → shape. The logic lives in
// workflows.ts and provision.ts; every route asks the projects policy first (projects/policy.ts), so
// a caller without the role gets 401/403/404 before any body is looked at.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Actor, requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { HttpError, NotFoundError } from '../http/errors.js';
import {
  authorize,
  authorizeResource,
  type ProjectAction,
  type ProjectRole,
  visibleProjectIds,
} from '../projects/policy.js';
import { deployFromRepository } from '../vcs/deploy.js';
import { toExportYaml } from './export-yaml.js';
import {
  projectExistsById,
  projectOfJob,
  projectOfTrigger,
  projectOfWebhookAuthMethod,
  projectOfWorkflow,
} from './lookup.js';
import { parsePageRequest } from './pagination.js';
import { describeProject, provisionProject, toYaml } from './provision.js';
import { parseYamlDocument } from './provision-document.js';
import { isSpecDocument } from './provision-spec.js';
import { getJob, getWorkflow, listJobsPage, listWorkflowsPage } from './read.js';
import { assertProjectExists } from './save.js';
import { announceSavedAdaptors } from './saved-adaptors.js';
import { listSnapshots } from './snapshots.js';
import { parseWorkflowInput, zodFieldErrors } from './validation.js';
import {
  addWebhookAuthMethodToTrigger,
  createWebhookAuthMethod,
  listWebhookAuthMethods,
  removeWebhookAuthMethodFromTrigger,
} from './webhook-triggers.js';
import { createWorkflow, deleteWorkflow, updateWorkflow } from './workflows.js';

const uuidParam = z.guid();

/** The largest provisioning document accepted (bytes): OpenFn projects of thousands of workflows. */
const PROVISION_BODY_LIMIT = 64 * 1024 * 1024;

/** The id in a path parameter, or 404 (a malformed id cannot name anything). */
function pathId(value: string | undefined, what: string): string {
  if (!uuidParam.safeParse(value).success) throw new HttpError(404, `${what} ${value} not found`);
  return value!;
}

const lockVersionQuery = z.object({ lock_version: z.coerce.number().int().optional() });

export async function registerWorkflowRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db } = context;
  const kafka = { enabled: context.config.kafka.enabled, vault: context.vault };

  /** The project's id from the path, once the caller may take `action` in it. */
  const inProject = async (
    request: FastifyRequest<{ Params: { project_id: string } }>,
    action: ProjectAction,
  ): Promise<string> => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, action);
    return projectId;
  };
  /** Lists are limited to the projects the caller may see. */
  const visible = async (actor: Actor) => {
    const ids = await visibleProjectIds(db, actor);
    return ids === 'all' ? {} : { projectIds: ids };
  };
  const workflowAccess = async (actor: Actor, id: string, action: ProjectAction) =>
    authorizeResource(
      db,
      actor,
      await projectOfWorkflow(db, id),
      action,
      `Workflow ${id} not found`,
    );

  app.get('/api/workflows', async (request) =>
    listWorkflowsPage(db, {
      ...(await visible(requireActor(request))),
      page: parsePageRequest(request.query),
    }),
  );

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/workflows',
    async (request) =>
      listWorkflowsPage(db, {
        projectId: await inProject(request, 'workflow:read'),
        page: parsePageRequest(request.query),
      }),
  );

  app.post<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/workflows',
    async (request, reply) => {
      const projectId = await inProject(request, 'workflow:write');
      const input = parseWorkflowInput(request.body);
      const workflow = await createWorkflow(db, projectId, input, kafka);
      announceSavedAdaptors(context.bus, projectId, [workflow]);
      return reply.status(201).header('location', `/api/workflows/${workflow.id}`).send({
        data: workflow,
      });
    },
  );

  app.get<{ Params: { id: string } }>('/api/workflows/:id', async (request) => {
    const id = pathId(request.params.id, 'Workflow');
    await workflowAccess(requireActor(request), id, 'workflow:read');
    return { data: await getWorkflow(db, id) };
  });

  app.get('/api/jobs', async (request) =>
    listJobsPage(db, {
      ...(await visible(requireActor(request))),
      page: parsePageRequest(request.query),
    }),
  );
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Job');
    await authorizeResource(
      db,
      actor,
      await projectOfJob(db, id),
      'workflow:read',
      `Job ${id} not found`,
    );
    return { data: await getJob(db, id) };
  });
  app.get<{ Params: { project_id: string } }>('/api/projects/:project_id/jobs', async (request) =>
    listJobsPage(db, {
      projectId: await inProject(request, 'workflow:read'),
      page: parsePageRequest(request.query),
    }),
  );
  app.get<{ Params: { project_id: string; id: string } }>(
    '/api/projects/:project_id/jobs/:id',
    async (request) => {
      const projectId = await inProject(request, 'workflow:read');
      const job = await getJob(db, pathId(request.params.id, 'Job'));
      if (job.project_id !== projectId) throw new HttpError(404, `Job ${job.id} not found`);
      return { data: job };
    },
  );

  app.get<{ Params: { id: string } }>('/api/workflows/:id/snapshots', async (request) => {
    const id = pathId(request.params.id, 'Workflow');
    await workflowAccess(requireActor(request), id, 'workflow:read');
    await getWorkflow(db, id);
    return { data: await listSnapshots(db, id) };
  });

  const update = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const id = pathId(request.params.id, 'Workflow');
    await workflowAccess(requireActor(request), id, 'workflow:write');
    const input = parseWorkflowInput(request.body);
    if (input.lock_version === undefined) {
      throw new HttpError(400, 'The workflow document is malformed', {
        errors: {
          lock_version: ['is required: send the lock_version of the workflow you edited'],
        },
      });
    }
    const workflow = await updateWorkflow(db, id, input, kafka);
    // Editors with the workflow open hear of the new version (sockets/live.ts).
    context.bus.publish({
      type: 'workflow_updated',
      workflowId: workflow.id,
      lockVersion: workflow.lock_version,
    });
    announceSavedAdaptors(context.bus, workflow.project_id, [workflow]);
    return { data: workflow };
  };
  app.put<{ Params: { id: string } }>('/api/workflows/:id', update);
  app.patch<{ Params: { id: string } }>('/api/workflows/:id', update);

  app.delete<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/api/workflows/:id',
    async (request, reply) => {
      const id = pathId(request.params.id, 'Workflow');
      await workflowAccess(requireActor(request), id, 'workflow:write');
      const query = lockVersionQuery.safeParse(request.query);
      await deleteWorkflow(db, id, query.success ? query.data.lock_version : undefined);
      return reply.status(204).send();
    },
  );

  // ── Webhook auth methods ──────────────────────────────────────────────────────────────────────

  const authMethodSchema = z.discriminatedUnion('auth_type', [
    z.strictObject({
      name: z.string(),
      auth_type: z.literal('basic'),
      username: z.string(),
      password: z.string(),
    }),
    z.strictObject({
      name: z.string(),
      auth_type: z.literal('api'),
      api_key: z.string().optional(),
    }),
  ]);

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/webhook_auth_methods',
    async (request) => ({
      data: await listWebhookAuthMethods(db, await inProject(request, 'workflow:read')),
    }),
  );

  app.post<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/webhook_auth_methods',
    async (request, reply) => {
      const projectId = await inProject(request, 'webhook_auth:manage');
      const parsed = authMethodSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        throw new HttpError(400, 'The webhook auth method is malformed', {
          errors: zodFieldErrors(parsed.error),
        });
      }
      await assertProjectExists(db, projectId);
      const input = parsed.data;
      const method = await createWebhookAuthMethod(
        db,
        context.vault,
        input.auth_type === 'basic'
          ? {
              projectId,
              name: input.name,
              authType: 'basic',
              username: input.username,
              password: input.password,
            }
          : { projectId, name: input.name, authType: 'api', apiKey: input.api_key },
      );
      // The secret is shown in this answer only; it is stored encrypted.
      return reply.status(201).send({ data: method });
    },
  );

  /** Attaching and detaching auth methods is managing them: the trigger's project admins. */
  const triggerAuthAccess = async (
    request: FastifyRequest<{ Params: { trigger_id: string; id: string } }>,
  ) => {
    const actor = requireActor(request);
    const triggerId = pathId(request.params.trigger_id, 'Trigger');
    const projectId = await authorizeResource(
      db,
      actor,
      await projectOfTrigger(db, triggerId),
      'webhook_auth:manage',
      `Trigger ${triggerId} not found`,
    );
    const methodId = pathId(request.params.id, 'Webhook auth method');
    if ((await projectOfWebhookAuthMethod(db, methodId)) !== projectId) {
      throw new HttpError(404, `Webhook auth method ${methodId} not found`);
    }
    return { triggerId, methodId };
  };

  app.put<{ Params: { trigger_id: string; id: string } }>(
    '/api/triggers/:trigger_id/webhook_auth_methods/:id',
    async (request, reply) => {
      const { triggerId, methodId } = await triggerAuthAccess(request);
      await addWebhookAuthMethodToTrigger(db, triggerId, methodId);
      return reply.status(204).send();
    },
  );

  app.delete<{ Params: { trigger_id: string; id: string } }>(
    '/api/triggers/:trigger_id/webhook_auth_methods/:id',
    async (request, reply) => {
      const { triggerId, methodId } = await triggerAuthAccess(request);
      await removeWebhookAuthMethodFromTrigger(db, triggerId, methodId);
      return reply.status(204).send();
    },
  );

  // ── Provisioning (the surface of OpenFn's CLI `deploy` / `pull`) ─────────────────────────────

  await app.register(async (scope) => {
    // A document may also be posted as YAML, the format `GET …?format=yaml` and
    // `GET /api/provision/yaml` return; as text/plain too (what `curl --data-binary @project.yaml`
    // sends): YAML is a superset of JSON, so a JSON document sent as text reads the same.
    scope.removeContentTypeParser('text/plain');
    scope.addContentTypeParser(
      ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
      { parseAs: 'string' },
      (_request, text, done) => {
        try {
          done(null, parseYamlDocument(text as string));
        } catch (error) {
          done(error as Error);
        }
      },
    );
    // A whole project in one document: 3,000 workflows are ~3 MB of JSON, over the API's 1 MB.
    scope.post('/api/provision', { bodyLimit: PROVISION_BODY_LIMIT }, async (request, reply) => {
      // A new project may be provisioned by anyone signed in (they become its owner); changing an
      // existing one needs provision:write in it.
      // What the document may change inside is decided field by field as it is applied (project
      // settings need project:update, as PATCH /api/projects/:id does): provision.ts.
      // A connected GitHub repository deploying (its connection token as bearer): vcs/deploy.ts.
      if (request.repoConnection) {
        const document = await deployFromRepository(db, request.repoConnection, request, kafka);
        return reply
          .status(201)
          .header('location', `/api/provision/${document.id}`)
          .send({ data: document });
      }
      const actor = requireActor(request);
      // The project may be named in the query (`?id=`, as `GET /api/provision/yaml` takes it),
      // for a spec, which carries no id; a spec naming none creates a new project.
      const queryId = (request.query as { id?: unknown }).id;
      const body = request.body;
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
        const named = (body as { id?: unknown }).id;
        if (queryId !== undefined && named !== undefined && named !== queryId) {
          throw new HttpError(400, 'The document is not the project of ?id=', {
            errors: { id: [`is not the id given in the query (${String(queryId)})`] },
          });
        }
        if (named === undefined) {
          const fresh = isSpecDocument(body) ? randomUUID() : undefined;
          const given = typeof queryId === 'string' ? queryId : fresh;
          if (given !== undefined) (body as { id?: unknown }).id = given;
        }
      }
      const id = (body as { id?: unknown } | null)?.id;
      let expectNew = false;
      let role: ProjectRole | 'superuser' = actor.user.role === 'superuser' ? 'superuser' : 'owner';
      if (typeof id === 'string' && uuidParam.safeParse(id).success) {
        if (await projectExistsById(db, id)) {
          role = await authorize(db, actor, id, 'provision:write');
        } else expectNew = true;
      }
      const document = await provisionProject(db, request.body, {
        ownerId: actor.user.id,
        expectNew,
        caller: { role, mfaEnabled: actor.user.mfaEnabled },
        kafka,
      });
      announceSavedAdaptors(context.bus, document.id, document.workflows);
      return reply
        .status(201)
        .header('location', `/api/provision/${document.id}`)
        .send({ data: document });
    });
  });

  const describe = async (
    request: FastifyRequest,
    id: string | undefined,
    yaml: boolean | 'export',
    reply: FastifyReply,
    query: Record<string, unknown>,
  ) => {
    const projectId = pathId(id, 'Project');
    // A connected repository (its pull workflow) reads its own project only.
    const connection = request.repoConnection;
    if (connection) {
      if (connection.projectId !== projectId)
        throw new NotFoundError(`Project ${projectId} not found`);
    } else {
      await authorize(db, requireActor(request), projectId, 'project:read');
    }
    // `?snapshots[]=a&snapshots[]=b` (Lightning's form), or `?snapshots=a,b`.
    const raw = query['snapshots[]'] ?? query.snapshots;
    const snapshotIds = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [])
      .map(String)
      .filter(Boolean)
      .map((snapshotId) => pathId(snapshotId, 'Snapshot'));
    const document = await describeProject(db, projectId, snapshotIds);
    if (yaml === 'export') {
      return reply.type('text/yaml; charset=utf-8').send(toExportYaml(document));
    }
    if (yaml) return reply.type('text/yaml; charset=utf-8').send(toYaml(document));
    return reply.send({ data: document });
  };

  app.get<{ Querystring: { id?: string } }>('/api/provision/yaml', (request, reply) =>
    describe(request, request.query.id, 'export', reply, request.query),
  );

  app.get<{ Params: { project_id: string }; Querystring: { format?: string } }>(
    '/api/provision/:project_id',
    (request, reply) => {
      let id = request.params.project_id;
      let yaml = request.query.format === 'yaml';
      if (id.endsWith('.yaml')) {
        id = id.slice(0, -'.yaml'.length);
        yaml = true;
      }
      return describe(request, id, yaml, reply, request.query);
    },
  );
}
