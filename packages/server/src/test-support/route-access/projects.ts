// Route access of the projects context: projects, their settings and members.
import { count, eq } from 'drizzle-orm';
import { schema } from '../../db/index.js';
import { createTestUser } from '../actors.js';
import type { RouteAccessFile, RouteFixture } from './types.js';

const projectCount = async (f: RouteFixture) =>
  (await f.db.select({ n: count() }).from(schema.projects))[0]?.n;

const projectSettings = async (f: RouteFixture) =>
  (await f.db.select().from(schema.projects).where(eq(schema.projects.id, f.projectId)))[0];

const memberships = async (f: RouteFixture) =>
  (
    await f.db
      .select({ userId: schema.projectUsers.userId, role: schema.projectUsers.role })
      .from(schema.projectUsers)
  )
    .map((m) => `${m.userId}:${m.role}`)
    .sort();

/** A new editor of the fixture project, the target of member changes. */
async function newEditor(f: RouteFixture): Promise<string> {
  return (await createTestUser(f.db, { projects: { [f.projectId]: 'editor' } })).id;
}

const projects: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/projects', access: 'authenticated' },
    {
      method: 'POST',
      url: '/api/projects',
      access: 'authenticated',
      request: () => ({
        url: '/api/projects',
        payload: { name: `matrix-${Math.random().toString(36).slice(2, 10)}` },
      }),
      observe: projectCount,
    },
    { method: 'GET', url: '/api/projects/:project_id', access: { project: 'project:read' } },
    {
      method: 'PATCH',
      url: '/api/projects/:project_id',
      access: { project: 'project:update' },
      request: (f) => ({
        url: `/api/projects/${f.projectId}`,
        payload: { description: 'changed' },
      }),
      observe: projectSettings,
    },
    {
      method: 'DELETE',
      url: '/api/projects/:project_id',
      access: { project: 'project:delete' },
      request: async (f) => ({ url: `/api/projects/${(await f.freshProject()).projectId}` }),
      observe: projectCount,
    },
    {
      method: 'GET',
      url: '/api/projects/:project_id/members',
      access: { project: 'members:read' },
    },
    {
      method: 'POST',
      url: '/api/projects/:project_id/members',
      access: { project: 'members:manage' },
      request: async (f) => ({
        url: `/api/projects/${f.projectId}/members`,
        payload: { email: (await createTestUser(f.db)).email, role: 'viewer' },
      }),
      observe: memberships,
    },
    {
      method: 'PATCH',
      url: '/api/projects/:project_id/members/me',
      access: { project: 'alerts:update_own' },
      request: (f) => ({
        url: `/api/projects/${f.projectId}/members/me`,
        payload: { failure_alert: true, digest: 'daily' },
      }),
      observe: async (f) =>
        (
          await f.db
            .select({
              userId: schema.projectUsers.userId,
              failureAlert: schema.projectUsers.failureAlert,
              digest: schema.projectUsers.digest,
            })
            .from(schema.projectUsers)
        )
          .map((m) => `${m.userId}:${m.failureAlert}:${m.digest}`)
          .sort(),
    },
    {
      method: 'PATCH',
      url: '/api/projects/:project_id/members/:user_id',
      access: { project: 'members:manage' },
      request: async (f) => ({
        url: `/api/projects/${f.projectId}/members/${await newEditor(f)}`,
        payload: { role: 'viewer' },
      }),
      observe: memberships,
    },
    {
      method: 'DELETE',
      url: '/api/projects/:project_id/members/:user_id',
      access: { project: 'members:manage' },
      request: async (f) => ({
        url: `/api/projects/${f.projectId}/members/${await newEditor(f)}`,
      }),
      observe: memberships,
    },
  ],
};

export default projects;
