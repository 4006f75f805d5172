// Route access of the workflows context: workflows, jobs, webhook auth methods, provisioning.
import { count, eq, isNull } from 'drizzle-orm';
import { schema } from '../../db/index.js';
import type { RouteAccessFile, RouteFixture } from './types.js';

const workflowState = async (fixture: RouteFixture) => {
  const [row] = await fixture.db
    .select({ lockVersion: schema.workflows.lockVersion, name: schema.workflows.name })
    .from(schema.workflows)
    .where(eq(schema.workflows.id, fixture.workflowId));
  return row;
};

const workflowCount = async (fixture: RouteFixture) =>
  (await fixture.db.select({ n: count() }).from(schema.workflows))[0]?.n;

const authMethodLinks = async (fixture: RouteFixture) =>
  (await fixture.db.select({ n: count() }).from(schema.triggerWebhookAuthMethods))[0]?.n;

const workflows: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/workflows', access: 'authenticated' },
    {
      method: 'GET',
      url: '/api/projects/:project_id/workflows',
      access: { project: 'workflow:read' },
    },
    {
      method: 'POST',
      url: '/api/projects/:project_id/workflows',
      access: { project: 'workflow:write' },
      request: (f) => ({
        url: `/api/projects/${f.projectId}/workflows`,
        payload: {
          name: `matrix-${Math.random().toString(36).slice(2, 8)}`,
          jobs: [],
          triggers: [],
          edges: [],
        },
      }),
      observe: workflowCount,
    },
    {
      method: 'GET',
      url: '/api/workflows/:id',
      access: { project: 'workflow:read' },
      request: (f) => ({ url: `/api/workflows/${f.workflowId}` }),
    },
    {
      method: 'GET',
      url: '/api/workflows/:id/snapshots',
      access: { project: 'workflow:read' },
      request: (f) => ({ url: `/api/workflows/${f.workflowId}/snapshots` }),
    },
    ...(['PUT', 'PATCH'] as const).map((method) => ({
      method,
      url: '/api/workflows/:id',
      access: { project: 'workflow:write' } as const,
      request: async (f: RouteFixture) => ({
        url: `/api/workflows/${f.workflowId}`,
        payload: {
          name: 'renamed by the matrix',
          lock_version: (await workflowState(f))?.lockVersion,
        },
      }),
      observe: workflowState,
    })),
    {
      method: 'DELETE',
      url: '/api/workflows/:id',
      access: { project: 'workflow:write' },
      request: async (f) => ({ url: `/api/workflows/${(await f.freshProject()).workflowId}` }),
      observe: async (f) =>
        (
          await f.db
            .select({ n: count() })
            .from(schema.workflows)
            .where(isNull(schema.workflows.deletedAt))
        )[0]?.n,
    },
    { method: 'GET', url: '/api/jobs', access: 'authenticated' },
    {
      method: 'GET',
      url: '/api/jobs/:id',
      access: { project: 'workflow:read' },
      request: (f) => ({ url: `/api/jobs/${f.jobIds[0]}` }),
    },
    { method: 'GET', url: '/api/projects/:project_id/jobs', access: { project: 'workflow:read' } },
    {
      method: 'GET',
      url: '/api/projects/:project_id/jobs/:id',
      access: { project: 'workflow:read' },
      request: (f) => ({ url: `/api/projects/${f.projectId}/jobs/${f.jobIds[0]}` }),
    },
    {
      method: 'GET',
      url: '/api/projects/:project_id/webhook_auth_methods',
      access: { project: 'workflow:read' },
    },
    {
      method: 'POST',
      url: '/api/projects/:project_id/webhook_auth_methods',
      access: { project: 'webhook_auth:manage' },
      request: (f) => ({
        url: `/api/projects/${f.projectId}/webhook_auth_methods`,
        payload: { name: `matrix-${Math.random().toString(36).slice(2, 8)}`, auth_type: 'api' },
      }),
      observe: async (f) =>
        (await f.db.select({ n: count() }).from(schema.webhookAuthMethods))[0]?.n,
    },
    {
      method: 'PUT',
      url: '/api/triggers/:trigger_id/webhook_auth_methods/:id',
      access: { project: 'webhook_auth:manage' },
      request: (f) => ({
        url: `/api/triggers/${f.triggerId}/webhook_auth_methods/${f.webhookAuthMethodId}`,
      }),
      observe: authMethodLinks,
    },
    {
      method: 'DELETE',
      url: '/api/triggers/:trigger_id/webhook_auth_methods/:id',
      access: { project: 'webhook_auth:manage' },
      request: (f) => ({
        url: `/api/triggers/${f.triggerId}/webhook_auth_methods/${f.webhookAuthMethodId}`,
      }),
      observe: authMethodLinks,
    },
    {
      // Updating an existing project; creating a new one is open to every signed-in user (its
      // creator becomes the owner), tested in projects/provision-access.test.ts.
      method: 'POST',
      url: '/api/provision',
      access: { project: 'provision:write' },
      request: async (f) => {
        const [project] = await f.db
          .select({ name: schema.projects.name })
          .from(schema.projects)
          .where(eq(schema.projects.id, f.projectId));
        return {
          url: '/api/provision',
          payload: { id: f.projectId, name: project?.name, workflows: [] },
        };
      },
      observe: workflowCount,
    },
    {
      method: 'GET',
      url: '/api/provision/:project_id',
      access: { project: 'project:read' },
      request: (f) => ({ url: `/api/provision/${f.projectId}` }),
    },
    {
      method: 'GET',
      url: '/api/provision/yaml',
      access: { project: 'project:read' },
      request: (f) => ({ url: `/api/provision/yaml?id=${f.projectId}` }),
    },
  ],
};

export default workflows;
