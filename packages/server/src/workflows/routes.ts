// HTTP routes of the workflows context: parse → call → shape. The logic lives in workflows.ts and
// provision.ts so the accounts layer can wrap it with authorization later.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ServerContext } from '../http/context.js';
import { HttpError } from '../http/errors.js';
import { toExportYaml } from './export-yaml.js';
import { parsePageRequest } from './pagination.js';
import { describeProject, provisionProject, toYaml } from './provision.js';
import { getJob, getWorkflow, listJobsPage, listWorkflowsPage } from './read.js';
import { assertProjectExists } from './save.js';
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

  app.get('/api/workflows', (request) =>
    listWorkflowsPage(db, { page: parsePageRequest(request.query) }),
  );

  app.get<{ Params: { project_id: string } }>('/api/projects/:project_id/workflows', (request) =>
    listWorkflowsPage(db, {
      projectId: pathId(request.params.project_id, 'Project'),
      page: parsePageRequest(request.query),
    }),
  );

  app.post<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/workflows',
    async (request, reply) => {
      const projectId = pathId(request.params.project_id, 'Project');
      const input = parseWorkflowInput(request.body);
      const workflow = await createWorkflow(db, projectId, input);
      return reply.status(201).header('location', `/api/workflows/${workflow.id}`).send({
        data: workflow,
      });
    },
  );

  app.get<{ Params: { id: string } }>('/api/workflows/:id', async (request) => ({
    data: await getWorkflow(db, pathId(request.params.id, 'Workflow')),
  }));

  app.get('/api/jobs', (request) => listJobsPage(db, { page: parsePageRequest(request.query) }));
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (request) => ({
    data: await getJob(db, pathId(request.params.id, 'Job')),
  }));
  app.get<{ Params: { project_id: string } }>('/api/projects/:project_id/jobs', (request) =>
    listJobsPage(db, {
      projectId: pathId(request.params.project_id, 'Project'),
      page: parsePageRequest(request.query),
    }),
  );
  app.get<{ Params: { project_id: string; id: string } }>(
    '/api/projects/:project_id/jobs/:id',
    async (request) => {
      const projectId = pathId(request.params.project_id, 'Project');
      const job = await getJob(db, pathId(request.params.id, 'Job'));
      if (job.project_id !== projectId) throw new HttpError(404, `Job ${job.id} not found`);
      return { data: job };
    },
  );

  app.get<{ Params: { id: string } }>('/api/workflows/:id/snapshots', async (request) => {
    const id = pathId(request.params.id, 'Workflow');
    await getWorkflow(db, id);
    return { data: await listSnapshots(db, id) };
  });

  const update = async (request: { params: { id: string }; body: unknown }) => {
    const input = parseWorkflowInput(request.body);
    if (input.lock_version === undefined) {
      throw new HttpError(400, 'The workflow document is malformed', {
        errors: {
          lock_version: ['is required: send the lock_version of the workflow you edited'],
        },
      });
    }
    return { data: await updateWorkflow(db, pathId(request.params.id, 'Workflow'), input) };
  };
  app.put<{ Params: { id: string } }>('/api/workflows/:id', update);
  app.patch<{ Params: { id: string } }>('/api/workflows/:id', update);

  app.delete<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/api/workflows/:id',
    async (request, reply) => {
      const query = lockVersionQuery.safeParse(request.query);
      await deleteWorkflow(
        db,
        pathId(request.params.id, 'Workflow'),
        query.success ? query.data.lock_version : undefined,
      );
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
      data: await listWebhookAuthMethods(db, pathId(request.params.project_id, 'Project')),
    }),
  );

  app.post<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/webhook_auth_methods',
    async (request, reply) => {
      const projectId = pathId(request.params.project_id, 'Project');
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

  app.put<{ Params: { trigger_id: string; id: string } }>(
    '/api/triggers/:trigger_id/webhook_auth_methods/:id',
    async (request, reply) => {
      await addWebhookAuthMethodToTrigger(
        db,
        pathId(request.params.trigger_id, 'Trigger'),
        pathId(request.params.id, 'Webhook auth method'),
      );
      return reply.status(204).send();
    },
  );

  app.delete<{ Params: { trigger_id: string; id: string } }>(
    '/api/triggers/:trigger_id/webhook_auth_methods/:id',
    async (request, reply) => {
      await removeWebhookAuthMethodFromTrigger(
        db,
        pathId(request.params.trigger_id, 'Trigger'),
        pathId(request.params.id, 'Webhook auth method'),
      );
      return reply.status(204).send();
    },
  );

  // ── Provisioning (the surface of OpenFn's CLI `deploy` / `pull`) ─────────────────────────────

  await app.register(async (scope) => {
    // A document may also be posted as YAML, the format `GET …?format=yaml` returns.
    scope.addContentTypeParser(
      ['application/yaml', 'application/x-yaml', 'text/yaml'],
      { parseAs: 'string' },
      (_request, text, done) => {
        try {
          done(null, parseYaml(text as string));
        } catch (error) {
          done(
            new HttpError(400, `The YAML document cannot be parsed: ${(error as Error).message}`),
          );
        }
      },
    );
    scope.post('/api/provision', async (request, reply) => {
      const document = await provisionProject(db, request.body);
      return reply
        .status(201)
        .header('location', `/api/provision/${document.id}`)
        .send({ data: document });
    });
  });

  const describe = async (
    id: string | undefined,
    yaml: boolean | 'export',
    reply: FastifyReply,
    query: Record<string, unknown>,
  ) => {
    // `?snapshots[]=a&snapshots[]=b` (Lightning's form), or `?snapshots=a,b`.
    const raw = query['snapshots[]'] ?? query.snapshots;
    const snapshotIds = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [])
      .map(String)
      .filter(Boolean)
      .map((snapshotId) => pathId(snapshotId, 'Snapshot'));
    const document = await describeProject(db, pathId(id, 'Project'), snapshotIds);
    if (yaml === 'export') {
      return reply.type('text/yaml; charset=utf-8').send(toExportYaml(document));
    }
    if (yaml) return reply.type('text/yaml; charset=utf-8').send(toYaml(document));
    return reply.send({ data: document });
  };

  app.get<{ Querystring: { id?: string } }>('/api/provision/yaml', (request, reply) =>
    describe(request.query.id, 'export', reply, request.query),
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
      return describe(id, yaml, reply, request.query);
    },
  );
}
