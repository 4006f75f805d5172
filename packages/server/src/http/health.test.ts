import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('GET /health', () => {
  it('reports the database reachable', async () => {
    const response = await fetch(`${server.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it('answers unknown routes with a JSON 404, not a stack trace', async () => {
    const response = await fetch(`${server.baseUrl}/no/such/route?x=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'No route for GET /no/such/route' });
  });
});

describe('GET /health without a database', () => {
  it('answers 503 naming the database, so load balancers take the node out', async () => {
    const lonely = await startTestServer();
    await lonely.testDatabase.close();
    try {
      const response = await fetch(`${lonely.baseUrl}/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'error', database: 'unreachable' });
    } finally {
      await lonely.app.close();
    }
  });
});
