// `npm run screenshots`: starts a real server (fresh database) and a worker, seeds an instance the
// way a user would (sign up through the API, provision a project with a two-job webhook workflow,
// POST to the webhook, add a member and a credential), then photographs the main screens in
// headless Chromium into docs/screenshots/*.png for the README.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { addMember, createTestUser } from '../../server/src/test-support/actors.js';
import { startApp, startWorker } from '../e2e/support.js';

const OUT = fileURLToPath(new URL('../../../docs/screenshots', import.meta.url));
const COMMON = '@openfn/language-common@3.3.4';

interface Json {
  [key: string]: unknown;
}

async function call(page: Page, method: 'get' | 'post', path: string, data?: unknown) {
  const response = await page.request[method](path, data === undefined ? {} : { data });
  if (!response.ok()) {
    throw new Error(
      `${method.toUpperCase()} ${path} → ${response.status()}: ${await response.text()}`,
    );
  }
  return (await response.json()) as Json;
}

async function shoot(
  page: Page,
  name: string,
  path: string,
  ready: () => Promise<unknown>,
  fullPage = false,
) {
  await page.goto(path);
  await ready();
  // Let lazy chunks, fonts and the last fetches settle before the picture.
  await page.waitForLoadState('networkidle');
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  console.log(`wrote ${file}`);
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const app = await startApp();
  const worker = await startWorker(app);
  try {
    const page = await app.newPage();
    const heading = (name: string | RegExp) => () =>
      page.getByRole('heading', { name, level: 1 }).first().waitFor();

    // A fresh instance opens on creating its first (admin) account.
    await shoot(page, 'first-account', '/', heading('Create the first account'));

    // The first user signs up (and becomes superuser); the session cookie lands in the browser.
    await call(page, 'post', '/api/users/register', {
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.org',
      password: 'correct horse battery staple',
    });

    // Once it has users, a signed-out visitor is asked to sign in.
    const visitor = await app.newPage();
    await shoot(visitor, 'sign-in', '/', () =>
      visitor.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor(),
    );

    const ids = {
      project: randomUUID(),
      workflow: randomUUID(),
      trigger: randomUUID(),
      fetch: randomUUID(),
      transform: randomUUID(),
    };
    await call(page, 'post', '/api/provision', {
      id: ids.project,
      name: 'patient-sync',
      description: 'Nightly sync of patient records into the registry',
      workflows: [
        {
          id: ids.workflow,
          name: 'register patients',
          jobs: [
            {
              id: ids.fetch,
              name: 'validate',
              adaptor: COMMON,
              body: "fn(state => {\n  console.log('received', state.data.patients.length, 'patients');\n  return state;\n});",
            },
            {
              id: ids.transform,
              name: 'transform',
              adaptor: COMMON,
              body: "fn(state => {\n  const names = state.data.patients.map(p => p.name);\n  console.log('transformed', names.join(', '));\n  return { ...state, data: { names } };\n});",
            },
          ],
          triggers: [{ id: ids.trigger, type: 'webhook', enabled: true }],
          edges: [
            {
              id: randomUUID(),
              source_trigger_id: ids.trigger,
              target_job_id: ids.fetch,
              condition_type: 'always',
            },
            {
              id: randomUUID(),
              source_job_id: ids.fetch,
              target_job_id: ids.transform,
              condition_type: 'on_job_success',
            },
          ],
        },
      ],
    });

    // A colleague with the editor role, and a credential shared with the project.
    const grace = await createTestUser(app.server.testDatabase.db, {
      email: 'grace@example.org',
    });
    await addMember(app.server.testDatabase.db, ids.project, grace.id, 'editor');
    await call(page, 'post', '/api/credentials', {
      name: 'registry api',
      schema: 'http',
      body: { baseUrl: 'https://registry.example.org/api', username: 'sync', password: 'secret-1' },
      project_ids: [ids.project],
    });

    // Webhooks start runs (the last one without patients fails in "validate"); wait for the
    // worker to finish them all.
    const bodies = [
      { patients: [{ name: 'Mary Seacole' }, { name: 'Florence Nightingale' }] },
      { patients: [{ name: 'Elizabeth Blackwell' }] },
      { note: 'no patients in this one' },
    ];
    const workOrders: string[] = [];
    for (const body of bodies) {
      const webhook = await fetch(app.url(`/i/${ids.trigger}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      workOrders.push(((await webhook.json()) as { work_order_id: string }).work_order_id);
    }
    const finished: string[] = [];
    for (const workOrderId of workOrders) {
      let runId = '';
      for (let attempt = 0; attempt < 600 && !runId; attempt++) {
        const { data } = (await call(page, 'get', `/api/work_orders/${workOrderId}`)) as {
          data: { runs: { id: string; state: string }[] };
        };
        const run = data.runs[0];
        if (run && !['available', 'claimed', 'started'].includes(run.state)) runId = run.id;
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (!runId) throw new Error(`a run did not finish; the worker said:\n${worker.output()}`);
      finished.push(runId);
    }
    const runId = finished[0]!;

    const project = `/projects/${ids.project}`;
    await shoot(page, 'projects', '/projects', heading('Projects'));
    await shoot(page, 'workflow-editor', `${project}/workflows/${ids.workflow}`, () =>
      page.locator('.react-flow__node').first().waitFor(),
    );
    await shoot(page, 'history', `${project}/history`, () =>
      page
        .getByRole('table', { name: 'Work orders' })
        .getByRole('cell', { name: 'register patients' })
        .first()
        .waitFor(),
    );
    await shoot(page, 'run', `${project}/runs/${runId}`, () =>
      page.getByText('transformed').first().waitFor(),
    );
    await shoot(page, 'settings-members', `${project}/settings/members`, () =>
      page.getByRole('cell', { name: 'grace@example.org', exact: true }).waitFor(),
    );
    await shoot(
      page,
      'settings-credentials',
      `${project}/settings/credentials`,
      async () => {
        await page.getByRole('cell', { name: 'registry api', exact: true }).waitFor();
        // With the form for a new credential open, drawn from the HTTP schema.
        await page.getByRole('button', { name: 'New credential' }).click();
        await page.getByLabel('Type').selectOption({ label: 'HTTP' });
        await page.getByLabel('Name', { exact: true }).fill('warehouse');
      },
      true,
    );
    await shoot(page, 'account', '/account', heading('Your account'), true);
    await shoot(page, 'admin-users', '/admin/users', () =>
      page.getByRole('cell', { name: 'grace@example.org', exact: true }).waitFor(),
    );
  } finally {
    await worker.stop();
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
