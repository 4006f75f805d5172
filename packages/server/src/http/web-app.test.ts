import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandler } from './error-handler.js';
import { registerWebApp } from './web-app.js';

// A stand-in dist folder, so the test does not depend on the web app having been built.
let root: string;
let app: FastifyInstance;
let baseUrl: string;
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'web-dist-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  app = Fastify();
  installErrorHandler(app);
  app.get('/api/ping', async () => ({ pong: true }));
  await registerWebApp(app, root);
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the web app', () => {
  it('serves index.html for the app pages a browser navigates to', async () => {
    for (const path of ['/', '/projects/7d0e/settings/members', '/users/reset_password/abc-123']) {
      const response = await fetch(`${baseUrl}${path}`, { headers: html });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  it('serves its files with long caching for hashed assets', async () => {
    const response = await fetch(`${baseUrl}/assets/index-abc.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('keeps JSON 404s for the API, webhooks, missing files and non-browser clients', async () => {
    const cases: [string, Record<string, string>][] = [
      ['/api/nothing-here', html],
      ['/i/some-trigger', html],
      ['/worker', html],
      ['/assets/missing.js', html],
      ['/favicon.ico', html],
      ['/projects', { accept: 'application/json' }],
    ];
    for (const [path, headers] of cases) {
      const response = await fetch(`${baseUrl}${path}`, { headers });
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({ error: `No route for GET ${path}` });
    }
  });

  it('leaves API routes alone', async () => {
    const response = await fetch(`${baseUrl}/api/ping`, { headers: html });
    expect(await response.json()).toEqual({ pong: true });
  });
});
