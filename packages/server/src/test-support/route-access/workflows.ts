// Route access of the workflows context: workflows, jobs, webhook auth methods, provisioning.
import { randomUUID } from 'node:crypto';
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

/** The project the last provisioning settings row created (what its `observe` reads). */
let lastFreshProject = '';

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
    // Provisioning an existing project, one row per field group: a document is allowed exactly
    // what the equivalent REST calls are (workflows: provision:write; project settings:
    // project:update, as PATCH /api/projects/:id). Creating a new project is open to every
    // signed-in user (its creator becomes the owner): workflows/provision-access.test.ts.
    {
      method: 'POST',
      url: '/api/provision',
      variant: 'workflows',
      access: { project: 'provision:write' },
      request: async (f) => {
        const [project] = await f.db
          .select({ name: schema.projects.name })
          .from(schema.projects)
          .where(eq(schema.projects.id, f.projectId));
        return {
          url: '/api/provision',
          payload: {
            id: f.projectId,
            name: project?.name,
            workflows: [{ id: randomUUID(), name: `matrix-${randomUUID().slice(0, 8)}` }],
          },
        };
      },
      observe: workflowCount,
    },
    ...(
      [
        ['project settings', { description: 'matrix', concurrency: 3 }],
        ['retention', { retention_policy: 'erase_all', history_retention_period: 30 }],
        // Needs MFA on top: allowed roles without it get 422, never the change.
        ['requires_mfa', { requires_mfa: true }],
      ] as const
    ).map(([variant, settings]) => ({
      method: 'POST' as const,
      url: '/api/provision',
      variant,
      access: { project: 'project:update' } as const,
      // A fresh project per call: an allowed change must not leak into the other rows.
      request: async (f: RouteFixture) => {
        const { projectId } = await f.freshProject();
        lastFreshProject = projectId;
        const [project] = await f.db
          .select({ name: schema.projects.name })
          .from(schema.projects)
          .where(eq(schema.projects.id, projectId));
        return {
          url: '/api/provision',
          payload: { id: projectId, name: project?.name, ...settings },
        };
      },
      observe: async (f: RouteFixture) =>
        (
          await f.db.select().from(schema.projects).where(eq(schema.projects.id, lastFreshProject))
        )[0],
    })),
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
