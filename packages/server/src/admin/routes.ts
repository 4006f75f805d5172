// HTTP routes of instance administration (superusers only): users.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireSuperuser } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { emptyFieldErrors, HttpError, NotFoundError, ValidationError } from '../http/errors.js';
import { listUsers, type UserChanges, updateUser } from './users.js';

const uuid = z.guid();

const userChangesBody = z.strictObject({
  disabled: z.boolean({ error: 'must be true or false' }).optional(),
  role: z.string({ error: 'must be "user" or "superuser"' }).optional(),
});

/** Wrong types and unknown fields: 400 naming each field; a role that does not exist: 422. */
function parseUserChanges(body: unknown): UserChanges {
  const parsed = userChangesBody.safeParse(body ?? {});
  if (!parsed.success) {
    const errors: Record<string, string[]> = emptyFieldErrors();
    for (const issue of parsed.error.issues) {
      const fields =
        issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.join('.') || 'body'];
      for (const field of fields) {
        const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
        errors[field] = [...(errors[field] ?? []), message];
      }
    }
    throw new HttpError(400, 'The user changes are malformed', { errors });
  }
  const { disabled, role } = parsed.data;
  if (role !== undefined && role !== 'user' && role !== 'superuser') {
    throw new ValidationError('Invalid role', { role: ['must be "user" or "superuser"'] });
  }
  return { disabled, role };
}

export async function registerAdminRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db } = context;

  app.get('/api/admin/users', async (request) => {
    requireSuperuser(request);
    return { data: await listUsers(db) };
  });

  app.patch<{ Params: { id: string } }>('/api/admin/users/:id', async (request) => {
    const actor = requireSuperuser(request);
    const { id } = request.params;
    if (!uuid.safeParse(id).success) throw new NotFoundError(`User ${id} not found`);
    const changes = parseUserChanges(request.body);
    return { data: await updateUser(db, { actorId: actor.user.id, userId: id, changes }) };
  });
}
