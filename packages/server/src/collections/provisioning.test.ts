// Collections through provisioning: `collections: [{id, name, delete?}]` creates, renames and
// deletes in the document's transaction, and GET /api/provision/:id lists them back.
import { randomUUID } from 'node:crypto';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  user = await createTestUser(server.testDatabase.db);
});
afterAll(() => server?.close());

async function call(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const response = await server.app.inject({
    method,
    url,
    headers: user.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: response.statusCode, body: response.json() };
}

const project = (id: string, collections: unknown[]) => ({
  id,
  name: `collections-${id.slice(0, 8)}`,
  collections,
  workflows: [],
});

describe('provisioning collections', () => {
  it('round-trips: created, renamed, deleted, and listed back as sent', async () => {
    const id = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const created = await call(
      'POST',
      '/api/provision',
      project(id, [
        { id: a, name: 'prov-patients' },
        { id: b, name: 'prov-visits' },
      ]),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.data.collections).toEqual([
      { id: a, name: 'prov-patients' },
      { id: b, name: 'prov-visits' },
    ]);
    const pulled = await call('GET', `/api/provision/${id}`);
    expect(pulled.body.data).toEqual(created.body.data);
    // The pulled document sent back changes nothing.
    expect((await call('POST', '/api/provision', pulled.body.data)).body.data).toEqual(
      created.body.data,
    );
    // Items written meanwhile stay with a renamed collection.
    const put = await server.app.inject({
      method: 'PUT',
      url: '/collections/prov-patients/k',
      headers: user.headers,
      payload: { value: '1' },
    });
    expect(put.statusCode).toBe(200);

    const changed = await call(
      'POST',
      '/api/provision',
      project(id, [
        { id: a, name: 'prov-patients-2' },
        { id: b, delete: true },
      ]),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(201);
    expect(changed.body.data.collections).toEqual([{ id: a, name: 'prov-patients-2' }]);
    const item = await server.app.inject({
      url: '/collections/prov-patients-2/k',
      headers: user.headers,
    });
    expect(item.json()).toMatchObject({ key: 'k', value: '1' });
  });

  it("refuses a taken name, a bad name and another project's id with 422 at their path, saving nothing", async () => {
    const first = randomUUID();
    const taken = randomUUID();
    expect(
      (await call('POST', '/api/provision', project(first, [{ id: taken, name: 'prov-taken' }])))
        .status,
    ).toBe(201);
    const second = randomUUID();
    const refused = await call(
      'POST',
      '/api/provision',
      project(second, [
        { id: randomUUID(), name: 'prov-taken' },
        { id: randomUUID(), name: 'has spaces' },
        { id: taken, name: 'prov-mine' },
      ]),
    );
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.body.errors).sort()).toEqual([
      'collections[0].name',
      'collections[1].name',
      'collections[2].id',
    ]);
    expect((await call('GET', `/api/provision/${second}`)).status).toBe(404);
  });
});
