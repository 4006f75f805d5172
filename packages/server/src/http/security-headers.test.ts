// The security headers over real HTTP, on the web app, the API and error answers; HSTS only when
// the instance's URL is https. (The CSP is checked against the built app in Chromium by
// packages/web/e2e/security.e2e.test.ts.)
import { startTestServer, type TestServer } from '../test-support/server.js';

const PATHS = ['/', '/api/instance', '/api/no-such-route', '/health'];

describe('on plain http (URL_SCHEME=http, the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('sends nosniff, no framing, no referrer and the CSP on every kind of answer', async () => {
    for (const path of PATHS) {
      const response = await fetch(`${server.baseUrl}${path}`, {
        headers: { accept: 'text/html' },
      });
      await response.arrayBuffer();
      const headers = response.headers;
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('x-frame-options'), path).toBe('DENY');
      expect(headers.get('referrer-policy'), path).toBe('no-referrer');
      const csp = headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).not.toContain('unsafe-eval');
      expect(csp, path).not.toContain('upgrade-insecure-requests');
      expect(headers.get('strict-transport-security'), path).toBeNull();
    }
  });
});

describe('on https (URL_SCHEME=https)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ URL_SCHEME: 'https', URL_HOST: 'lightning.example.org' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('adds HSTS and upgrade-insecure-requests', async () => {
    const response = await fetch(`${server.baseUrl}/api/instance`);
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect(response.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  });
});
