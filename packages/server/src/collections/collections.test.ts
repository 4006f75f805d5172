// The /collections API as @openfn/language-collections calls it: items written, read one by one
// and as a stream (patterns, filters, cursors), deleted; run tokens open only their project's
// collections while the run is active; sizes are kept and the limits refuse with the limit named.
import { signRunToken } from '@lightning/protocol';
import { eq } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field
type Json = Record<string, any>;

let server: TestServer;
let db: Database;
let projectId: string;
let owner: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  // The project limit is far above what the other tests write into their project.
  server = await startTestServer({
    COLLECTIONS_MAX_ITEM_BYTES: '2000',
    COLLECTIONS_MAX_PROJECT_BYTES: '100000',
  });
  db = server.database.db;
  const fixture = await createWorkflowFixture(db);
  projectId = fixture.projectId;
  owner = await createTestUser(db, { projects: { [projectId]: 'owner' } });
  viewer = await createTestUser(db, { projects: { [projectId]: 'viewer' } });
});
afterAll(() => server?.close());

async function call(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH',
  url: string,
  headers: Record<string, string>,
  payload?: unknown,
) {
  const response = await server.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return {
    status: response.statusCode,
    body: response.body ? (JSON.parse(response.body) as Json) : null,
  };
}

async function newCollection(name: string, as: TestUser = owner, project = projectId) {
  const created = await call('POST', `/api/projects/${project}/collections`, as.headers, { name });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body!.data as { id: string; name: string };
}

async function byteSize(name: string): Promise<number> {
  const [row] = await db
    .select({ size: schema.collections.byteSizeSum })
    .from(schema.collections)
    .where(eq(schema.collections.name, name));
  return Number(row!.size);
}

async function actualSize(name: string): Promise<number> {
  const rows = await db
    .select({ key: schema.collectionItems.key, value: schema.collectionItems.value })
    .from(schema.collectionItems)
    .innerJoin(schema.collections, eq(schema.collections.id, schema.collectionItems.collectionId))
    .where(eq(schema.collections.name, name));
  return rows.reduce((sum, r) => sum + Buffer.byteLength(r.key) + Buffer.byteLength(r.value), 0);
}

/** A run token of a run in `state`, signed with the server's key, as a worker receives it. */
async function runToken(project: string, state: 'started' | 'success'): Promise<string> {
  const fixture = await createWorkflowFixture(db, { projectId: project });
  const run = await enqueueRun(db, fixture);
  await db
    .update(schema.runs)
    .set({ state, claimedAt: new Date().toISOString() })
    .where(eq(schema.runs.id, run.runId));
  return signRunToken(server.config.workers.runsPrivateKeyPem!, run.runId, { ttlSeconds: 300 });
}

describe('collections API', () => {
  it('writes, reads and deletes items, keeping the byte size exact', async () => {
    const { name } = await newCollection('patients-a');
    const h = owner.headers;
    expect(await call('PUT', `/collections/${name}/p1`, h, { value: '{"n":1}' })).toEqual({
      status: 200,
      body: { upserted: 1, error: null },
    });
    const one = await call('GET', `/collections/${name}/p1`, h);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ key: 'p1', value: '{"n":1}' });
    expect(one.body!.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect((await call('GET', `/collections/${name}/missing`, h)).status).toBe(204);

    const items = [
      { key: 'p2', value: '"two"' },
      { key: 'q1', value: '{"é":"ü"}' },
      { key: 'p1', value: '{"n":"first"}' },
      { key: 'p1', value: '{"n":"last wins"}' },
    ];
    expect(await call('POST', `/collections/${name}`, h, { items })).toEqual({
      status: 200,
      body: { upserted: 3, error: null },
    });
    expect((await call('GET', `/collections/${name}/p1`, h)).body!.value).toBe('{"n":"last wins"}');
    expect(await byteSize(name)).toBe(await actualSize(name));

    const matching = await call('GET', `/collections/${name}?key=p*`, h);
    expect(matching.body!.items.map((i: { key: string }) => i.key)).toEqual(['p1', 'p2']);
    expect(matching.body!.cursor).toBeNull();

    expect(await call('DELETE', `/collections/${name}/p2`, h)).toEqual({
      status: 200,
      body: { key: 'p2', deleted: 1, error: null },
    });
    expect((await call('DELETE', `/collections/${name}/p2`, h)).body).toEqual({
      key: 'p2',
      deleted: 0,
      error: 'Item Not Found',
    });
    expect(await byteSize(name)).toBe(await actualSize(name));
    expect((await call('DELETE', `/collections/${name}?key=q*`, h)).body).toEqual({
      key: 'q*',
      deleted: 1,
      error: null,
    });
    expect((await call('DELETE', `/collections/${name}`, h)).body).toEqual({
      key: null,
      deleted: 1,
      error: null,
    });
    expect(await byteSize(name)).toBe(0);
  });

  it('matches only `*` as a wildcard: `_` and `%` are literal', async () => {
    const { name } = await newCollection('literal-b');
    const items = ['a_1', 'ab1', 'a%1', 'a%x'].map((key) => ({ key, value: '1' }));
    await call('POST', `/collections/${name}`, owner.headers, { items });
    const keys = async (pattern: string) =>
      (
        await call('GET', `/collections/${name}?key=${encodeURIComponent(pattern)}`, owner.headers)
      ).body!.items.map((i: { key: string }) => i.key);
    expect(await keys('a_*')).toEqual(['a_1']);
    expect(await keys('a%*')).toEqual(['a%1', 'a%x']);
    expect(await keys('*1')).toEqual(['a_1', 'ab1', 'a%1']);
  });

  it('streams in pages with a cursor, and filters by time', async () => {
    const { name } = await newCollection('paged-c');
    const items = Array.from({ length: 1203 }, (_, i) => ({ key: `k${i}`, value: String(i) }));
    await call('POST', `/collections/${name}`, owner.headers, { items });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: Json | null } = await call(
        'GET',
        `/collections/${name}?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        owner.headers,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body!.items.map((i: { key: string }) => i.key));
      cursor = page.body!.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(items.map((i) => i.key));
    // Without a limit: Lightning's default of 1,000 items, then a cursor.
    const first = await call('GET', `/collections/${name}`, owner.headers);
    expect(first.body!.items).toHaveLength(1000);
    expect(typeof first.body!.cursor).toBe('string');

    const [{ created }] = (await call('GET', `/collections/${name}?limit=1`, owner.headers)).body!
      .items;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const after = await call(
      'GET',
      `/collections/${name}?created_after=${future}&limit=5000`,
      owner.headers,
    );
    expect(after.body!.items).toEqual([]);
    const before = await call(
      'GET',
      `/collections/${name}?updated_before=${future}&created_after=${created}&limit=5000`,
      owner.headers,
    );
    expect(before.body!.items).toHaveLength(1203);
  });

  it('refuses bad stream queries with 400 naming the parameter', async () => {
    const { name } = await newCollection('bad-query-d');
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=!!', 'cursor'],
      ['created_after=yesterday', 'created_after'],
      ['colour=blue', 'colour'],
    ] as const) {
      const response = await call('GET', `/collections/${name}?${query}`, owner.headers);
      expect(response.status, query).toBe(400);
      expect(Object.keys(response.body!.errors)).toEqual([field]);
    }
  });

  it('answers 404 for a collection that does not exist, 401 without a token', async () => {
    expect((await call('GET', '/collections/nothing-here', owner.headers)).status).toBe(404);
    expect((await call('GET', '/collections/nothing-here', {})).status).toBe(401);
    expect(
      (await call('GET', '/collections/nothing-here', { authorization: 'Bearer a.b.c' })).status,
    ).toBe(401);
  });

  it('lets a viewer read but not write', async () => {
    const { name } = await newCollection('viewer-e');
    expect((await call('GET', `/collections/${name}`, viewer.headers)).status).toBe(200);
    expect(
      (await call('PUT', `/collections/${name}/k`, viewer.headers, { value: '1' })).status,
    ).toBe(403);
  });

  it('opens a collection to a running run of its project only, and not after the run ended', async () => {
    const { name } = await newCollection('runs-f');
    const running = await runToken(projectId, 'started');
    const bearer = { authorization: `Bearer ${running}` };
    expect((await call('PUT', `/collections/${name}/k`, bearer, { value: '1' })).status).toBe(200);
    expect((await call('GET', `/collections/${name}/k`, bearer)).body!.value).toBe('1');

    const other = await createWorkflowFixture(db);
    const stranger = await runToken(other.projectId, 'started');
    const refused = await call('GET', `/collections/${name}/k`, {
      authorization: `Bearer ${stranger}`,
    });
    expect(refused.status).toBe(403);
    expect(refused.body!.error).toContain('another project');

    const finished = await runToken(projectId, 'success');
    expect(
      (await call('GET', `/collections/${name}/k`, { authorization: `Bearer ${finished}` })).status,
    ).toBe(403);
  });

  it('refuses an item over COLLECTIONS_MAX_ITEM_BYTES with 413 naming the limit', async () => {
    const { name } = await newCollection('big-g');
    const big = { key: 'big', value: JSON.stringify('x'.repeat(2000)) };
    const response = await call('POST', `/collections/${name}`, owner.headers, {
      items: [{ key: 'small', value: '1' }, big],
    });
    expect(response.status).toBe(413);
    expect(response.body!.error).toContain('COLLECTIONS_MAX_ITEM_BYTES (2000)');
    expect(await actualSize(name)).toBe(0);
    const bad = await call('POST', `/collections/${name}`, owner.headers, {
      items: [{ key: 'k', value: { not: 'text' } }],
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body!.errors)).toEqual(['items[0].value']);
  });

  it('creates, renames and deletes collections; names are unique and checked', async () => {
    const created = await newCollection('manage-h');
    expect(
      (
        await call('POST', `/api/projects/${projectId}/collections`, owner.headers, {
          name: 'manage-h',
        })
      ).status,
    ).toBe(409);
    const bad = await call('POST', `/api/projects/${projectId}/collections`, owner.headers, {
      name: 'has spaces',
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body!.errors)).toEqual(['name']);
    const renamed = await call(
      'PATCH',
      `/api/projects/${projectId}/collections/${created.id}`,
      owner.headers,
      { name: 'manage-h2' },
    );
    expect(renamed.body!.data.name).toBe('manage-h2');
    const list = await call('GET', `/api/projects/${projectId}/collections`, viewer.headers);
    expect(list.body!.data.map((c: { name: string }) => c.name)).toContain('manage-h2');
    expect(
      (await call('DELETE', `/api/projects/${projectId}/collections/${created.id}`, owner.headers))
        .status,
    ).toBe(204);
    expect((await call('GET', '/collections/manage-h2', owner.headers)).status).toBe(404);
  });
});

describe('collections API with a project limit', () => {
  it('refuses a write that would pass COLLECTIONS_MAX_PROJECT_BYTES with 422, writing nothing', async () => {
    const fixture = await createWorkflowFixture(db);
    const admin = await createTestUser(db, { projects: { [fixture.projectId]: 'admin' } });
    await newCollection('limit-one', admin, fixture.projectId);
    await newCollection('limit-two', admin, fixture.projectId);
    // Items of exactly 2,000 bytes (key "kNN" + value).
    const items = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: `${prefix}${String(i).padStart(2, '0')}`,
        value: 'x'.repeat(1997),
      }));
    const write = (name: string, list: unknown[]) =>
      call('POST', `/collections/${name}`, admin.headers, { items: list });
    expect((await write('limit-one', items('a', 30))).status).toBe(200);
    // 60,000 bytes in one; 42,000 more in two would make 102,000 for the project.
    const over = await write('limit-two', items('b', 21));
    expect(over.status).toBe(422);
    expect(over.body!.error).toContain('COLLECTIONS_MAX_PROJECT_BYTES (100000)');
    expect(await actualSize('limit-two')).toBe(0);
    expect(await byteSize('limit-two')).toBe(0);
    expect((await write('limit-two', items('b', 20))).status).toBe(200);
    expect(await byteSize('limit-two')).toBe(40_000);
    // Replacing an item with one of the same size is no growth.
    expect((await write('limit-one', items('a', 1))).status).toBe(200);
    expect(await byteSize('limit-one')).toBe(60_000);
  });
});
