// Membership before the body. Every project route authorizes before it validates what it was
// sent, but a body that is not even JSON (or is too large, or of a type the route does not take)
// is refused by Fastify's parser, which runs before the handler. For routes that name their
// project in the path, this hook checks who is calling first, so someone outside the project gets
// the same 401/404 whatever they send — a malformed body included — and learns nothing from it.
// Members then get the parser's 400/413/415, and the handler checks their role as before.
// Routes that name their project only in the body (`/api/provision`, `/api/work_orders/retry`)
// cannot know it before parsing; they authorize right after.
import type { FastifyInstance } from 'fastify';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { authorize } from './policy.js';

const WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

export function installProjectMembershipGate(app: FastifyInstance, context: ServerContext): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (WITHOUT_BODY.has(request.method)) return payload;
    if (!request.routeOptions.url?.includes(':project_id')) return payload;
    const { project_id: projectId } = request.params as { project_id?: string };
    if (projectId === undefined) return payload;
    // Membership only (the lowest action): the handler decides what this member may do.
    await authorize(context.db, requireActor(request), projectId, 'project:read');
    return payload;
  });
}
