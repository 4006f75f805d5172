// Route access of collections: the `/collections/:name[/:key]` API (here with personal access
// tokens; run tokens are tested in collections/collections.test.ts) and the management routes.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createCollection, putItems } from '../../collections/index.js';
import { schema } from '../../db/index.js';
import type { RouteAccessFile, RouteFixture } from './types.js';

const LIMITS = { itemMaxBytes: 1_000_000, projectMaxBytes: 0 };

/** A collection of the fixture's project holding `k1` and `k2`. */
async function freshCollection(f: RouteFixture) {
  const collection = await createCollection(f.db, {
    projectId: f.projectId,
    name: `matrix-${randomUUID().slice(0, 8)}`,
  });
  const target = {
    id: collection.id,
    projectId: f.projectId,
    name: collection.name,
    byteSizeSum: 0,
  };
  await putItems(
    f.db,
    target,
    [
      { key: 'k1', value: '1' },
      { key: 'k2', value: '2' },
    ],
    LIMITS,
  );
  return collection;
}

type Extra = { name: string; id: string };
const extra = (f: RouteFixture) => f.extra.collections as Extra;

const items = async (f: RouteFixture) =>
  (
    await f.db
      .select({ key: schema.collectionItems.key, value: schema.collectionItems.value })
      .from(schema.collectionItems)
      .innerJoin(schema.collections, eq(schema.collections.id, schema.collectionItems.collectionId))
      .where(eq(schema.collections.projectId, f.projectId))
  )
    .map((i) => `${i.key}=${i.value}`)
    .sort();

const collectionNames = async (f: RouteFixture) =>
  (
    await f.db
      .select({ name: schema.collections.name })
      .from(schema.collections)
      .where(eq(schema.collections.projectId, f.projectId))
  )
    .map((c) => c.name)
    .sort();

const collections: RouteAccessFile = {
  setup: async (f) => {
    const collection = await freshCollection(f);
    return { name: collection.name, id: collection.id };
  },
  rows: [
    {
      method: 'GET',
      url: '/collections/:name',
      access: { project: 'collection:read' },
      request: (f) => ({ url: `/collections/${extra(f).name}?key=k*` }),
    },
    {
      method: 'GET',
      url: '/collections/:name/:key',
      access: { project: 'collection:read' },
      request: (f) => ({ url: `/collections/${extra(f).name}/k1` }),
    },
    {
      method: 'PUT',
      url: '/collections/:name/:key',
      access: { project: 'collection:write' },
      request: (f) => ({ url: `/collections/${extra(f).name}/k1`, payload: { value: '"new"' } }),
      observe: items,
    },
    {
      method: 'POST',
      url: '/collections/:name',
      access: { project: 'collection:write' },
      request: (f) => ({
        url: `/collections/${extra(f).name}`,
        payload: { items: [{ key: 'k3', value: '3' }] },
      }),
      observe: items,
    },
    {
      method: 'DELETE',
      url: '/collections/:name/:key',
      access: { project: 'collection:write' },
      request: async (f) => ({ url: `/collections/${(await freshCollection(f)).name}/k1` }),
      observe: items,
    },
    {
      method: 'DELETE',
      url: '/collections/:name',
      access: { project: 'collection:write' },
      request: async (f) => ({ url: `/collections/${(await freshCollection(f)).name}?key=k*` }),
      observe: items,
    },
    {
      method: 'GET',
      url: '/api/projects/:project_id/collections',
      access: { project: 'collection:read' },
    },
    {
      method: 'POST',
      url: '/api/projects/:project_id/collections',
      access: { project: 'collection:manage' },
      request: (f) => ({
        url: `/api/projects/${f.projectId}/collections`,
        payload: { name: `matrix-new-${randomUUID().slice(0, 8)}` },
      }),
      observe: collectionNames,
    },
    {
      method: 'PATCH',
      url: '/api/projects/:project_id/collections/:id',
      access: { project: 'collection:manage' },
      request: async (f) => ({
        url: `/api/projects/${f.projectId}/collections/${(await freshCollection(f)).id}`,
        payload: { name: `matrix-renamed-${randomUUID().slice(0, 8)}` },
      }),
      observe: collectionNames,
    },
    {
      method: 'DELETE',
      url: '/api/projects/:project_id/collections/:id',
      access: { project: 'collection:manage' },
      request: async (f) => ({
        url: `/api/projects/${f.projectId}/collections/${(await freshCollection(f)).id}`,
      }),
      observe: collectionNames,
    },
  ],
};
export default collections;
