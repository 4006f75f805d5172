// HTTP routes of collections. `/collections/:name[/:key]` is Lightning's API (the one
// `@openfn/language-collections` calls, with a run token or a personal access token);
// `/api/projects/:project_id/collections` is how people list, create, rename and delete them.
// Each handler finds the caller and authorizes before it reads the body.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readPrivateKey } from '@lightning/protocol';
import type { FastifyInstance } from 'fastify';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { NotFoundError, ValidationError } from '../http/errors.js';
import { authorize } from '../projects/index.js';
import { authorizeCollection, resolveCaller } from './caller.js';
import {
  type CollectionLimits,
  checkItem,
  checkItems,
  deleteItem,
  deleteMatching,
  getItem,
  putItems,
} from './items.js';
import {
  createCollection,
  deleteCollection,
  listProjectCollections,
  renameCollection,
} from './store.js';
import { parseStreamQuery, streamItems } from './stream.js';

type NameParams = { Params: { name: string } };
type KeyParams = { Params: { name: string; key: string } };
type ProjectParams = { Params: { project_id: string } };
type CollectionParams = { Params: { project_id: string; id: string } };

/** A bulk upsert: the adaptor sends 1,000 items a request; whole-collection loads send more. */
const BULK_BODY_LIMIT = 64 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('The body must be a JSON object', {
      body: ['must be a JSON object'],
    });
  }
  return body as Record<string, unknown>;
}

export async function registerCollectionRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, config } = context;
  const limits: CollectionLimits = {
    itemMaxBytes: config.limits.collectionItemMaxBytes,
    projectMaxBytes: config.limits.collectionsProjectMaxBytes,
  };
  const pem = config.workers.runsPrivateKeyPem;
  const runsPublicKey: KeyObject | undefined = pem
    ? createPublicKey(readPrivateKey(pem))
    : undefined;
  const caller = (request: Parameters<typeof resolveCaller>[0]) =>
    resolveCaller(request, db, runsPublicKey);

  app.get<NameParams>('/collections/:name', async (request, reply) => {
    const who = await caller(request);
    const collection = await authorizeCollection(db, who, request.params.name, 'collection:read');
    const query = parseStreamQuery(request.query as Record<string, unknown>);
    return reply.type('application/json').send(streamItems(db, collection, query));
  });

  app.get<KeyParams>('/collections/:name/:key', async (request, reply) => {
    const who = await caller(request);
    const collection = await authorizeCollection(db, who, request.params.name, 'collection:read');
    const item = await getItem(db, collection, request.params.key);
    if (!item) return reply.status(204).send();
    return item;
  });

  app.put<KeyParams>(
    '/collections/:name/:key',
    { bodyLimit: limits.itemMaxBytes * 6 + 64 * 1024 },
    async (request) => {
      const who = await caller(request);
      const collection = await authorizeCollection(
        db,
        who,
        request.params.name,
        'collection:write',
      );
      const body = bodyObject(request.body);
      const item = checkItem({ key: request.params.key, value: body.value }, 'body', limits);
      const upserted = await putItems(db, collection, [item], limits);
      return { upserted, error: null };
    },
  );

  app.post<NameParams>('/collections/:name', { bodyLimit: BULK_BODY_LIMIT }, async (request) => {
    const who = await caller(request);
    const collection = await authorizeCollection(db, who, request.params.name, 'collection:write');
    const items = checkItems(bodyObject(request.body).items, limits);
    const upserted = await putItems(db, collection, items, limits);
    return { upserted, error: null };
  });

  app.delete<KeyParams>('/collections/:name/:key', async (request) => {
    const who = await caller(request);
    const collection = await authorizeCollection(db, who, request.params.name, 'collection:write');
    const key = request.params.key;
    return (await deleteItem(db, collection, key))
      ? { key, deleted: 1, error: null }
      : { key, deleted: 0, error: 'Item Not Found' };
  });

  app.delete<NameParams>('/collections/:name', async (request) => {
    const who = await caller(request);
    const collection = await authorizeCollection(db, who, request.params.name, 'collection:write');
    const { key } = request.query as { key?: unknown };
    if (key !== undefined && typeof key !== 'string') {
      throw new ValidationError('key must be given once', { key: ['must be given once'] });
    }
    const pattern = key === undefined || key === '' ? null : key;
    const deleted = await deleteMatching(db, collection, pattern);
    return { key: pattern, deleted, error: null };
  });

  // ── Management (web app, API clients) ──

  app.get<ProjectParams>('/api/projects/:project_id/collections', async (request) => {
    await authorize(db, requireActor(request), request.params.project_id, 'collection:read');
    return { data: await listProjectCollections(db, request.params.project_id) };
  });

  app.post<ProjectParams>('/api/projects/:project_id/collections', async (request, reply) => {
    const projectId = request.params.project_id;
    await authorize(db, requireActor(request), projectId, 'collection:manage');
    const body = bodyObject(request.body);
    const collection = await createCollection(db, { projectId, name: body.name });
    return reply.status(201).send({ data: collection });
  });

  app.patch<CollectionParams>('/api/projects/:project_id/collections/:id', async (request) => {
    const { project_id: projectId, id } = request.params;
    await authorize(db, requireActor(request), projectId, 'collection:manage');
    if (!UUID.test(id)) throw new NotFoundError(`Collection ${id} not found`);
    const body = bodyObject(request.body);
    return { data: await renameCollection(db, projectId, id, body.name) };
  });

  app.delete<CollectionParams>(
    '/api/projects/:project_id/collections/:id',
    async (request, reply) => {
      const { project_id: projectId, id } = request.params;
      await authorize(db, requireActor(request), projectId, 'collection:manage');
      if (!UUID.test(id)) throw new NotFoundError(`Collection ${id} not found`);
      await deleteCollection(db, projectId, id);
      return reply.status(204).send();
    },
  );
}
