// HTTP routes of personal access tokens: each signed-in user lists, creates and revokes their own.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { NotFoundError } from '../http/errors.js';
import {
  apiTokenJson,
  createApiToken,
  listApiTokens,
  parseApiTokenName,
  revokeApiToken,
} from './api-tokens.js';

const uuid = z.guid();

export async function registerApiTokenRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, config } = context;

  app.get('/api/tokens', async (request) => {
    const actor = requireActor(request);
    return { data: (await listApiTokens(db, actor.user.id)).map(apiTokenJson) };
  });

  app.post<{ Body: { name?: unknown } | undefined }>('/api/tokens', async (request, reply) => {
    const actor = requireActor(request);
    const name = parseApiTokenName(request.body?.name);
    const created = await createApiToken(db, config, {
      userId: actor.user.id,
      name,
      actorId: actor.user.id,
    });
    return reply.status(201).send({
      data: {
        id: created.id,
        name: created.name,
        token: created.token,
        inserted_at: created.insertedAt,
      },
    });
  });

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', async (request, reply) => {
    const actor = requireActor(request);
    const { id } = request.params;
    if (!uuid.safeParse(id).success) throw new NotFoundError(`Token ${id} not found`);
    await revokeApiToken(db, { userId: actor.user.id, tokenId: id, actorId: actor.user.id });
    return reply.status(204).send();
  });
}
