// The security headers and ORIGINS in a real browser: the built app runs under its
// Content-Security-Policy without a single violation (canvas, code editor, live socket included),
// and a page of another origin on the same site (127.0.0.1 on another port, so the browser sends
// the session cookie along) cannot open the live socket with the user's session, unless ORIGINS
// lists it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign } from '@fastify/cookie';
import type { BrowserContext, Page } from 'playwright-core';
import { issueToken } from '../../server/src/accounts/tokens.js';
import { SESSION_COOKIE } from '../../server/src/http/auth.js';
import {
  createWorkflowFixture,
  type WorkflowFixture,
} from '../../server/src/runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { type App, startApp } from './support.js';

/** A page of another origin that tries the live socket of `target` and shows how it went. */
function foreignPage(target: string): string {
  const socketUrl = `${target.replace(/^http/, 'ws')}/api/live`;
  return `<!doctype html><title>pending</title><script>
    const socket = new WebSocket(${JSON.stringify(socketUrl)});
    socket.onopen = () => { document.title = 'open'; socket.close(); };
    socket.onclose = () => { if (document.title !== 'open') document.title = 'refused'; };
  </script>`;
}

/** Serves `foreignPage(target)` from 127.0.0.1 on a port of its own. */
async function startForeignSite(): Promise<{ server: Server; url: string; target: string[] }> {
  const target: string[] = [];
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(foreignPage(target[0] ?? ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, target };
}

/** Outcome of the foreign page's socket attempt: 'open' or 'refused'. */
async function liveSocketFrom(page: Page, url: string): Promise<string> {
  await page.goto(url);
  await page.waitForFunction(() => document.title !== 'pending');
  return page.title();
}

/** A context signed in as `user` on `server` (a session issued directly). */
async function signedInContext(app: App, server: TestServer, userId: string) {
  const context = await app.browser.newContext();
  const { token } = await issueToken(server.testDatabase.db, userId, 'session');
  await context.addCookies([
    {
      name: SESSION_COOKIE,
      value: sign(token, server.config.http.secretKeyBase!),
      url: server.baseUrl,
      httpOnly: true,
      sameSite: 'Lax',
    },
  ]);
  return context;
}

let app: App;
let fixture: WorkflowFixture;
let owner: TestUser;
let foreign: Awaited<ReturnType<typeof startForeignSite>>;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  app = await startApp();
  fixture = await createWorkflowFixture(app.server.testDatabase.db);
  owner = await createTestUser(app.server.testDatabase.db, {
    projects: { [fixture.projectId]: 'owner' },
  });
  foreign = await startForeignSite();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  if (foreign) await new Promise((resolve) => foreign.server.close(resolve));
  await app?.close();
});

describe('the Content-Security-Policy', () => {
  it('lets the built app run without a violation: pages, canvas, code editor and live socket', async () => {
    const page = await app.pageAs(owner.id);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(
          `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`,
        );
      });
    });
    const liveSocket = page.waitForEvent('websocket', (socket) =>
      socket.url().endsWith('/api/live'),
    );

    const response = await page.goto(app.url('/projects'));
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

    await page.goto(app.url(`/projects/${fixture.projectId}/workflows/${fixture.workflowId}`));
    const canvas = page.getByTestId('workflow-canvas');
    await canvas.getByTestId('node-a').click();
    const editor = page.getByTestId('code-editor-job');
    await editor.locator('.cm-content').waitFor();
    expect(await editor.locator('.cm-content').textContent()).toContain('a: true');
    // The live socket connected (connect-src 'self' covers ws: to this origin).
    const socket = await liveSocket;
    expect(socket.isClosed()).toBe(false);

    await page.goto(app.url(`/projects/${fixture.projectId}/history`));
    await page.goto(app.url(`/projects/${fixture.projectId}/settings/general`));
    await page.goto(app.url('/account'));
    await page.getByRole('heading', { level: 1 }).first().waitFor();

    expect(violations).toEqual([]);
  });
});

describe('the live socket from another origin of the same site', () => {
  it('is refused with the user’s session, while the app itself connects', async () => {
    foreign.target[0] = app.baseUrl;
    const context = await signedInContext(app, app.server, owner.id);
    contexts.push(context);
    const page = await context.newPage();
    expect(await liveSocketFrom(page, foreign.url)).toBe('refused');
    // The same script from the app's own origin opens the socket with the same cookie.
    await page.goto(app.url('/projects'));
    const opened = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(`ws://${window.location.host}/api/live`);
          socket.onopen = () => {
            socket.close();
            resolve('open');
          };
          socket.onclose = () => resolve('refused');
        }),
    );
    expect(opened).toBe('open');
  });

  it('opens when ORIGINS lists that origin (so it was the origin, not the cookie, that decided)', async () => {
    const listed = await startTestServer({ ORIGINS: foreign.url.replace(/\/$/, '') });
    try {
      const user = await createTestUser(listed.testDatabase.db);
      foreign.target[0] = listed.baseUrl;
      const context = await signedInContext(app, listed, user.id);
      contexts.push(context);
      expect(await liveSocketFrom(await context.newPage(), foreign.url)).toBe('open');
    } finally {
      await listed.close();
    }
  });
});
