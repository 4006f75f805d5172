// End-to-end harness: a real Lightning server (fresh database, the built web app) and a headless
// Debian Chromium driven by playwright-core. One `startApp()` per test file (beforeAll); each test
// opens its own browser context (fresh cookies) with `app.newPage()`.
//
//   const app = await startApp();
//   const page = await app.newPage();
//   await page.goto(app.url('/sign-up'));
//   ...
//   await app.close();
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@fastify/cookie';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import {
  startWorkerProcess,
  type WorkerProcess,
} from '../../cli/src/test-support/worker-process.js';
import { issueToken } from '../../server/src/accounts/tokens.js';
import { SESSION_COOKIE } from '../../server/src/http/auth.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';

const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST_INDEX = join(WEB_ROOT, 'dist', 'index.html');

/** Where Debian (and Ubuntu) put Chromium; .ci/run installs it when missing. */
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

function chromiumPath(): string {
  const found = CHROMIUM_PATHS.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATHS.join(' or ')}: install it with "apt-get install -y chromium"`,
    );
  }
  return found;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function isDistStale(): boolean {
  if (!existsSync(DIST_INDEX)) return true;
  const built = statSync(DIST_INDEX).mtimeMs;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'];
  return sources.some((source) => newestMtime(join(WEB_ROOT, source)) > built);
}

/**
 * Builds the web app when dist/ is missing or older than its sources. Test files run in parallel,
 * so the build holds a lock directory; whoever waits re-checks after the builder is done.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (!isDistStale()) return;
  const lock = join(WEB_ROOT, 'node_modules', '.e2e-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 5 minutes belongs to a build that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (isDistStale()) {
      execFileSync(process.execPath, [join(WEB_ROOT, 'node_modules', '.bin', 'vite'), 'build'], {
        cwd: WEB_ROOT,
        stdio: 'pipe',
      });
    }
  } finally {
    rmdirSync(lock);
  }
}

export interface App {
  server: TestServer;
  browser: Browser;
  baseUrl: string;
  /** `app.url('/projects')` → absolute URL on the test server. */
  url: (path: string) => string;
  /** A page in a fresh browser context (no cookies); closed with the app. */
  newPage: () => Promise<Page>;
  /**
   * A page already signed in as `userId` (a session issued directly, as the sign-in route would),
   * for tests whose subject is not signing in, e.g. a viewer made with `createTestUser`.
   */
  pageAs: (userId: string) => Promise<Page>;
  close: () => Promise<void>;
}

/** Starts the server (env overrides its configuration) and the browser. */
export async function startApp(env: Record<string, string> = {}): Promise<App> {
  await ensureWebBuilt();
  const server = await startTestServer(env);
  let browser: Browser;
  try {
    // launch() gives every browser a fresh temporary profile directory.
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS,
      headless: true,
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  const contexts: BrowserContext[] = [];
  const baseUrl = server.baseUrl;

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({
      baseURL: baseUrl,
      viewport: { width: 1280, height: 860 },
    });
    // Playwright's waits end a test that hangs; a busy machine only makes them longer.
    context.setDefaultTimeout(120_000);
    contexts.push(context);
    return context;
  }

  return {
    server,
    browser,
    baseUrl,
    url: (path) => new URL(path, baseUrl).toString(),
    newPage: async () => (await newContext()).newPage(),
    pageAs: async (userId) => {
      const context = await newContext();
      const { token } = await issueToken(server.testDatabase.db, userId, 'session');
      const secret = server.config.http.secretKeyBase;
      if (!secret) throw new Error('the test server has no SECRET_KEY_BASE to sign sessions with');
      await context.addCookies([
        { name: SESSION_COOKIE, value: sign(token, secret), url: baseUrl, httpOnly: true },
      ]);
      return context.newPage();
    },
    close: async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await server.close();
    },
  };
}

/** JSON API calls with a bearer token (test setup that is not what the test is about). */
export async function apiAs<T = unknown>(
  app: App,
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const response = await fetch(app.url(path), {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export type Worker = WorkerProcess;

/**
 * A real `lightning worker` process connected to the app's server, so webhooks become finished
 * runs with logs (the harness the CLI's end-to-end tests use too).
 */
export function startWorker(app: App, name = 'e2e-browser'): Promise<Worker> {
  return startWorkerProcess(app.server, { name });
}

/**
 * The visible form controls and buttons on the page that have no accessible name (no <label>,
 * aria-label, aria-labelledby or text): `expect(await unlabelledControls(page)).toEqual([])`.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const missing: string[] = [];
    const controls = document.querySelectorAll<HTMLElement>(
      'input:not([type="hidden"]), select, textarea, button, [role="button"], a[href]',
    );
    for (const control of controls) {
      const box = control.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const labelledBy = control.getAttribute('aria-labelledby');
      const named =
        (control.getAttribute('aria-label') ?? '').trim() !== '' ||
        labelledBy
          ?.split(/\s+/)
          .some((id) => (document.getElementById(id)?.textContent ?? '').trim() !== '') ||
        ('labels' in control &&
          Array.from((control as HTMLInputElement).labels ?? []).some(
            (label) => (label.textContent ?? '').trim() !== '',
          )) ||
        ((control.tagName === 'BUTTON' || control.tagName === 'A') &&
          (control.textContent ?? '').trim() !== '') ||
        (control.getAttribute('title') ?? '').trim() !== '';
      if (!named) missing.push(control.outerHTML.slice(0, 120));
    }
    return missing;
  });
}

/**
 * Opens, as a signed-in superuser on `page`, the newest kept mail (MAIL_PROVIDER=local) whose row in
 * the mailbox matches `row` (subject or recipient), and returns its text. Mail may be sent after
 * the request that caused it has answered, so the mailbox is reloaded until the mail is there.
 */
export async function readMail(app: App, page: Page, row: RegExp): Promise<string> {
  const match = page.getByRole('row', { name: row }).first();
  for (let attempt = 0; ; attempt++) {
    await page.goto(app.url('/admin/mailbox'));
    await page.getByRole('heading', { name: 'Instance administration' }).waitFor();
    await page
      .getByRole('table')
      .or(page.getByText('No mail has been sent yet.'))
      .first()
      .waitFor();
    if ((await match.count()) > 0) break;
    if (attempt >= 100) throw new Error(`no mail matching ${row} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await match.getByRole('link').click();
  const body = page.locator('.mail-body');
  await body.waitFor();
  return (await body.textContent()) ?? '';
}
