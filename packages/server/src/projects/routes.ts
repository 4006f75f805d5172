// HTTP routes of the projects context: projects and their members. Each handler authorizes first
// (so a viewer gets 403 before any body is looked at), then parses, calls and shapes.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { NotFoundError } from '../http/errors.js';
import {
  addMemberByEmail,
  changeMemberRole,
  listMembers,
  removeMember,
  updateOwnAlerts,
} from './members.js';
import {
  addMemberBody,
  changeRoleBody,
  createProjectBody,
  ownAlertsBody,
  parseBody,
  updateProjectBody,
} from './params.js';
import { authorize } from './policy.js';
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
} from './projects.js';

const uuid = z.guid();

/** The id in a path parameter, or 404 (a malformed id cannot name anything). */
function pathId(value: string, what: string): string {
  if (!uuid.safeParse(value).success) throw new NotFoundError(`${what} ${value} not found`);
  return value;
}

type ProjectParams = { Params: { project_id: string } };
type MemberParams = { Params: { project_id: string; user_id: string } };

export async function registerProjectRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db } = context;

  app.get('/api/projects', async (request) => ({
    data: await listProjects(db, requireActor(request)),
  }));

  app.post('/api/projects', async (request, reply) => {
    const actor = requireActor(request);
    const input = parseBody(request.body, createProjectBody, 'The project');
    const project = await createProject(db, actor, input);
    return reply
      .status(201)
      .header('location', `/api/projects/${project.id}`)
      .send({ data: project });
  });

  app.get<ProjectParams>('/api/projects/:project_id', async (request) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, 'project:read');
    return { data: await getProject(db, actor, projectId) };
  });

  app.patch<ProjectParams>('/api/projects/:project_id', async (request) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, 'project:update');
    const input = parseBody(request.body, updateProjectBody, 'The project settings');
    return { data: await updateProject(db, actor, projectId, input) };
  });

  app.delete<ProjectParams>('/api/projects/:project_id', async (request, reply) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, 'project:delete');
    await deleteProject(db, actor, projectId);
    return reply.status(204).send();
  });

  // ── Members ───────────────────────────────────────────────────────────────────────────────────

  app.get<ProjectParams>('/api/projects/:project_id/members', async (request) => {
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, requireActor(request), projectId, 'members:read');
    return { data: await listMembers(db, projectId) };
  });

  app.post<ProjectParams>('/api/projects/:project_id/members', async (request, reply) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, 'members:manage');
    const input = parseBody(request.body, addMemberBody, 'The member');
    return reply.status(201).send({ data: await addMemberByEmail(db, actor, projectId, input) });
  });

  app.patch<ProjectParams>('/api/projects/:project_id/members/me', async (request) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, 'alerts:update_own');
    const input = parseBody(request.body, ownAlertsBody, 'The alert settings');
    return { data: await updateOwnAlerts(db, actor, projectId, input) };
  });

  app.patch<MemberParams>('/api/projects/:project_id/members/:user_id', async (request) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, 'members:manage');
    const userId = pathId(request.params.user_id, 'Member');
    const { role } = parseBody(request.body, changeRoleBody, 'The role change');
    return { data: await changeMemberRole(db, actor, projectId, userId, role) };
  });

  app.delete<MemberParams>('/api/projects/:project_id/members/:user_id', async (request, reply) => {
    const actor = requireActor(request);
    const projectId = pathId(request.params.project_id, 'Project');
    await authorize(db, actor, projectId, 'members:manage');
    await removeMember(db, actor, projectId, pathId(request.params.user_id, 'Member'));
    return reply.status(204).send();
  });
}
