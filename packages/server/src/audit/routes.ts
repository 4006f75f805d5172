// HTTP routes of the audit trail: a project's trail for its admins, the whole instance's for
// superusers. Newest first, `?page_size=&cursor=` keyset pages.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor, requireSuperuser } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { HttpError, NotFoundError } from '../http/errors.js';
import { authorize } from '../projects/index.js';
import { auditEventJson, listAuditEvents, MAX_AUDIT_PAGE_SIZE } from './list.js';

const uuid = z.guid();

const pageQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE_SIZE).optional(),
  cursor: z.string().optional(),
});

function parsePage(query: unknown): { limit?: number; cursor?: string } {
  const parsed = pageQuery.safeParse(query ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'Invalid pagination', {
      errors: { page_size: [`must be an integer from 1 to ${MAX_AUDIT_PAGE_SIZE}`] },
    });
  }
  return { limit: parsed.data.page_size, cursor: parsed.data.cursor };
}

export async function registerAuditRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db } = context;

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/audit_events',
    async (request) => {
      const actor = requireActor(request);
      const projectId = request.params.project_id;
      if (!uuid.safeParse(projectId).success) {
        throw new NotFoundError(`Project ${projectId} not found`);
      }
      await authorize(db, actor, projectId, 'project:update');
      const page = await listAuditEvents(db, { scope: { projectId }, ...parsePage(request.query) });
      return { data: page.data.map(auditEventJson), meta: page.meta };
    },
  );

  app.get('/api/admin/audit_events', async (request) => {
    requireSuperuser(request);
    const page = await listAuditEvents(db, { scope: 'all', ...parsePage(request.query) });
    return { data: page.data.map(auditEventJson), meta: page.meta };
  });
}
