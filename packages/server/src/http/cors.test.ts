// CORS_ORIGIN over real HTTP: CORS headers and preflights on the API only, `*` by default, exactly
// the listed origins otherwise, and never with credentials.
import { startTestServer, type TestServer } from '../test-support/server.js';

function preflight(server: TestServer, path: string, origin: string) {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'DELETE',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('CORS_ORIGIN unset (*)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers API calls from any origin, without credentials', async () => {
    const response = await fetch(`${server.baseUrl}/api/instance`, {
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('answers an API preflight with the methods and the requested headers', async () => {
    const response = await preflight(server, '/api/tokens/123', 'https://elsewhere.example');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'authorization, content-type',
    );
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('sends no CORS headers and no preflight outside the API', async () => {
    const page = await fetch(`${server.baseUrl}/health`, {
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    const refused = await preflight(server, '/i/some-trigger', 'https://elsewhere.example');
    expect(refused.status).toBe(404);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS_ORIGIN listing origins', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      CORS_ORIGIN: 'https://app.example.org,https://ops.example.org',
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('echoes a listed origin (varying on Origin)', async () => {
    const response = await fetch(`${server.baseUrl}/api/instance`, {
      headers: { origin: 'https://ops.example.org' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://ops.example.org');
    expect(response.headers.get('vary')).toMatch(/origin/i);
    const preflighted = await preflight(server, '/api/tokens', 'https://app.example.org');
    expect(preflighted.status).toBe(204);
    expect(preflighted.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
  });

  it('gives any other origin no CORS headers and no preflight', async () => {
    const response = await fetch(`${server.baseUrl}/api/instance`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflighted = await preflight(server, '/api/tokens', 'https://evil.example');
    expect(preflighted.status).toBe(404);
    expect(preflighted.headers.get('access-control-allow-origin')).toBeNull();
  });
});
