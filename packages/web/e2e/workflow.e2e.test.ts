// The main path through the product in a real browser, with a real worker process executing the
// jobs: sign up → create a project → build a two-job workflow with a webhook trigger on the canvas →
// save → POST to the webhook → the run appears in history by itself and its log streams → open the
// output dataclip → retry from the second step. Then a viewer finds the same screens read-only.

import { eq } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import { openDatabase, schema } from '../../server/src/db/index.js';
import { createLogger } from '../../server/src/logger.js';
import { startServer } from '../../server/src/server.js';
import { addMember, createTestUser } from '../../server/src/test-support/actors.js';
import { testDatabaseUrl } from '../../server/src/test-support/database.js';
import { type App, startApp, startWorker, unlabelledControls, type Worker } from './support.js';

let app: App;
let worker: Worker | undefined;

beforeAll(async () => {
  app = await startApp();
  worker = await startWorker(app);
});

// A run that never finishes is usually the worker's story (adaptor install, connection): tell it.
afterEach((context) => {
  if (context.task.result?.state === 'fail') {
    console.error(`worker output:\n${worker?.output().slice(-8000) ?? '(no worker)'}`);
  }
});

afterAll(async () => {
  await worker?.stop();
  await app?.close();
});

const email = 'grace@example.org';
const password = 'correct horse battery staple';
let projectId = '';
let workflowUrl = '';

/** Replaces a CodeMirror document with `code` (inserted as text: no auto-closed brackets). */
async function setCode(page: Page, editor: Locator, code: string) {
  await editor.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(code);
}

/** Fills the open job panel. */
async function describeJob(page: Page, name: string, code: string) {
  const panel = page.getByRole('complementary', { name: 'Selected item' });
  await panel.getByLabel('Name', { exact: true }).fill(name);
  await panel.getByLabel('Version').selectOption('3.3.4');
  await setCode(page, panel.getByTestId('code-editor-job'), code);
}

describe('building and running a workflow in the browser', () => {
  it('builds, saves and runs a two-job workflow, watches it live, and retries from the second step', async () => {
    const page = await app.newPage();
    // Sign up (the first account of a fresh instance) and create a project.
    await page.goto(app.url('/sign-up'));
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Name').fill('intake');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}\//);
    projectId = /\/projects\/([0-9a-f-]{36})/.exec(page.url())![1]!;

    // A new workflow opens in the editor with a webhook trigger and a first job.
    await page
      .getByRole('navigation', { name: 'Project' })
      .getByRole('link', { name: 'Workflows' })
      .click();
    await page.getByText('No workflows yet.').waitFor();
    await page.getByLabel('New workflow name').fill('patients');
    await page.getByRole('button', { name: 'Create workflow' }).click();
    await page.getByRole('heading', { name: 'patients', level: 1 }).waitFor();
    workflowUrl = page.url();
    const canvas = page.getByTestId('workflow-canvas');
    await canvas.getByTestId('node-Webhook trigger').waitFor();

    // The first job, selected on the canvas, edited in the side panel — with the adaptor's
    // functions offered while typing.
    await canvas.getByTestId('node-Job 1').click();
    const panel = page.getByRole('complementary', { name: 'Selected item' });
    const code = panel.getByTestId('code-editor-job');
    await code.locator('.cm-content').click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('eac');
    await page.locator('.cm-tooltip-autocomplete').getByText('each').waitFor();
    await page.keyboard.press('Escape');
    await describeJob(
      page,
      'first',
      "fn(state => { console.log('first saw', state.data.n); return { ...state, data: { n: state.data.n + 1 } }; });",
    );

    // A second job after it, from the panel (the keyboard path); the edge it gets is labelled.
    await panel.getByRole('button', { name: 'Add job after' }).click();
    await canvas.getByTestId('node-Job 2').waitFor();
    await describeJob(
      page,
      'second',
      "fn(state => { console.log('second saw', state.data.n); return { ...state, data: { n: state.data.n * 10 } }; });",
    );
    await canvas.getByText('On success').waitFor();

    // Keyboard on the canvas: focus the trigger node and select it with Enter.
    await canvas
      .getByRole('group', { name: 'Trigger Webhook trigger' })
      .or(canvas.locator('[aria-label="Trigger Webhook trigger"]'))
      .first()
      .focus();
    await page.keyboard.press('Enter');
    await panel.getByRole('heading', { name: 'Trigger' }).waitFor();
    expect(await panel.getByLabel('Enabled').isChecked()).toBe(true);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved (version 2).').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    const webhook = await panel.getByLabel('Webhook URL').inputValue();
    expect(webhook).toMatch(new RegExp(`^${app.baseUrl}/i/[0-9a-f-]{36}$`));

    // History is open when the webhook is called: the work order appears without a reload.
    await page.getByRole('link', { name: 'History' }).first().click();
    await page.getByRole('heading', { name: 'History', level: 1 }).waitFor();
    await page.getByText('No work orders match.').waitFor();
    const posted = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1 }),
    });
    expect(posted.status).toBe(200);
    const { work_order_id: workOrderId } = (await posted.json()) as { work_order_id: string };
    const row = page.getByTestId(`work-order-${workOrderId}`);
    await row.waitFor();
    // …and follows its state as the worker reports it.
    await row.getByText('success').first().waitFor({ timeout: 120_000 });

    // Into the run inspector: the steps and the whole log.
    await row.getByRole('button', { name: /Expand work order/ }).click();
    expect(await unlabelledControls(page)).toEqual([]);
    await row.getByRole('link', { name: /^Run / }).click();
    await page.getByRole('heading', { name: /^Run [0-9a-f]{8}$/, level: 1 }).waitFor();
    const log = page.getByTestId('log-lines');
    await log.getByText('first saw 1').waitFor();
    await log.getByText('second saw 2').waitFor();
    const secondStep = page.getByTestId('step-second');
    await secondStep.getByText('success').waitFor();

    // The second step's output, in the JSON viewer.
    await secondStep.getByRole('button', { name: 'Output' }).click();
    const output = page.getByRole('region', { name: 'Output of second (JSON)' });
    await output.getByText('20', { exact: true }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);

    // Retry from the second step: a new run that starts there with first's output (n = 2).
    const firstRunUrl = page.url();
    await secondStep.getByRole('button', { name: 'Retry from second' }).click();
    await page.waitForURL((url) => url.toString() !== firstRunUrl && /\/runs\//.test(url.pathname));
    await page.getByTestId('step-second').getByText('success').waitFor({ timeout: 120_000 });
    await page.getByTestId('log-lines').getByText('second saw 2').waitFor();
    expect(await page.getByTestId('log-lines').getByText('first saw 1').count()).toBe(0);
  });

  it('puts validation errors on their node, detects a conflicting save, retries in bulk and pages a large input', async () => {
    expect(projectId).not.toBe('');
    const db = app.server.testDatabase.db;
    const [grace] = await db.select().from(schema.users).where(eq(schema.users.email, email));
    const page = await app.pageAs(grace!.id);
    await page.goto(workflowUrl);
    await page.getByRole('heading', { name: 'patients', level: 1 }).waitFor();
    const canvas = page.getByTestId('workflow-canvas');
    const panel = page.getByRole('complementary', { name: 'Selected item' });

    // A name the server refuses: the error is on the node and beside the field.
    await canvas.getByTestId('node-second').click();
    await panel.getByLabel('Name', { exact: true }).fill('bad/name');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await canvas.getByTestId('node-bad/name').getByText('has errors').waitFor();
    await panel.getByText('may contain only letters, digits, spaces').waitFor();
    expect(await panel.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );

    // Someone else saves meanwhile: our save is refused, said so, and Reload shows their version.
    const other = await createTestUser(db, { projects: { [projectId]: 'editor' } });
    const workflowId = /\/workflows\/([0-9a-f-]{36})/.exec(workflowUrl)![1]!;
    const read = await fetch(app.url(`/api/workflows/${workflowId}`), { headers: other.headers });
    const { data: current } = (await read.json()) as { data: { jobs: { body: string }[] } };
    current.jobs[0]!.body = `// edited elsewhere\n${current.jobs[0]!.body}`;
    const theirs = await fetch(app.url(`/api/workflows/${workflowId}`), {
      method: 'PUT',
      headers: { ...other.headers, 'content-type': 'application/json' },
      body: JSON.stringify(current),
    });
    expect(theirs.status).toBe(200);
    // The editor hears of it at once, over the live socket.
    await page.getByText('Someone else saved a newer version (3) of this workflow.').waitFor();
    await panel.getByLabel('Name', { exact: true }).fill('second step');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Someone else saved this workflow while you were editing').waitFor();
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByText('Version 3').waitFor();
    await canvas.getByTestId('node-second').waitFor();

    // Run the first job from the editor with a typed input; its log streams beside the editor.
    await canvas.getByTestId('node-first').click();
    await panel.getByRole('tab', { name: 'Run' }).click();
    await setCode(page, panel.getByTestId('code-editor-json'), '{"data": {"n": 41}}');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    const runLog = panel.getByTestId('log-lines');
    await runLog.getByText('first saw 41').waitFor({ timeout: 120_000 });
    await runLog.getByText('second saw 42').waitFor();
    await panel.getByRole('tab', { name: 'Edit' }).click();

    // The trigger as a schedule: the cron expression is read back in words (not saved here).
    await canvas.getByTestId('node-Webhook trigger').click();
    await panel.getByLabel('Type').selectOption('cron');
    await panel.getByText('At 00:00 (UTC)').waitFor();
    await panel.getByLabel('Cron expression').fill('61 * * * *');
    await panel.getByText(/^Not a valid cron expression/).waitFor();
    // Leaving asks first, since the change is not saved.
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      return dialog.accept();
    });
    await page.getByRole('link', { name: 'History' }).first().click();
    await page.getByRole('heading', { name: 'History', level: 1 }).waitFor();
    expect(asked).toMatch(/unsaved changes/);

    // History: retry a work order picked by its checkbox.
    await page
      .getByRole('navigation', { name: 'Project' })
      .getByRole('link', { name: 'History' })
      .click();
    const table = page.getByRole('table', { name: 'Work orders' });
    await table.waitFor();
    await table
      .getByRole('checkbox', { name: /^Select work order/ })
      .first()
      .check();
    await page.getByRole('button', { name: 'Retry selected (1)' }).click();
    await page.getByText('Retried 1 work order.').waitFor();

    // A large input arrives live and opens a page at a time.
    const webhook = app.url(`/i/${await triggerId(workflowId, other.headers)}`);
    const items = Array.from({ length: 2_500 }, (_, i) => ({ i, name: `item ${i}` }));
    const posted = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 5, items }),
    });
    const { work_order_id: workOrderId } = (await posted.json()) as { work_order_id: string };
    const row = page.getByTestId(`work-order-${workOrderId}`);
    await row.getByText('success').first().waitFor({ timeout: 120_000 });
    await row.getByRole('button', { name: /Expand work order/ }).click();
    await row.getByRole('link', { name: /^Run / }).click();
    await page.getByTestId('step-first').getByRole('button', { name: 'Input' }).click();
    const input = page.getByRole('region', { name: 'Input of first (JSON)' });
    const itemsToggle = input.getByRole('button', { name: /^(Expand|Collapse) items$/ });
    await itemsToggle.waitFor();
    if ((await itemsToggle.getAttribute('aria-expanded')) !== 'true') await itemsToggle.click();
    await input.getByRole('button', { name: 'Show 100 more of 2400' }).waitFor();
    expect(await input.locator('.json-row').count()).toBeLessThan(200);

    // Filters: text in the input finds that work order alone; no work order has failed.
    await page
      .getByRole('navigation', { name: 'Project' })
      .getByRole('link', { name: 'History' })
      .click();
    await page.getByLabel('Input contains').fill('item 2499');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('tbody.work-order').count()).toBe(1);
    await page.getByTestId(`work-order-${workOrderId}`).waitFor();
    await page.getByLabel('Input contains').fill('');
    await page.getByLabel('State').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No work orders match.').waitFor();
  });

  it('shows a viewer the editor and history read-only', async () => {
    expect(projectId).not.toBe('');
    const db = app.server.testDatabase.db;
    const viewer = await createTestUser(db, { email: 'viewer@example.org' });
    await addMember(db, projectId, viewer.id, 'viewer');
    const page = await app.pageAs(viewer.id);
    await page.goto(workflowUrl);
    await page.getByRole('heading', { name: 'patients', level: 1 }).waitFor();
    await page.getByText('Read only (viewer)').waitFor();
    expect(await page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add job' }).count()).toBe(0);
    const panel = page.getByRole('complementary', { name: 'Selected item' });
    expect(await panel.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    await panel.getByRole('tab', { name: 'Run' }).click();
    await panel.getByText('Viewers cannot start runs.').waitFor();

    // A history longer than a page: older work orders load on demand (keyset pages of 50).
    const workflowId = /\/workflows\/([0-9a-f-]{36})/.exec(workflowUrl)![1]!;
    await db.insert(schema.workOrders).values(
      Array.from({ length: 60 }, (_, i) => ({
        workflowId,
        state: 'killed' as const,
        insertedAt: new Date(Date.now() - 86_400_000 - i * 1000).toISOString(),
      })),
    );
    await page.goto(app.url(`/projects/${projectId}/history`));
    await page.getByRole('table', { name: 'Work orders' }).waitFor();
    expect(await page.getByRole('button', { name: /Retry selected/ }).count()).toBe(0);
    const rows = page.locator('tbody.work-order');
    expect(await rows.count()).toBe(50);
    await page.getByRole('button', { name: 'Load older work orders' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(60);
    expect(await page.getByRole('button', { name: 'Load older work orders' }).count()).toBe(0);
  });
  // Last: it stops the first node's worker, so that node B executes the run.
  it.skipIf(!testDatabaseUrl())(
    'shows a run handled entirely by another server node (PostgreSQL only: PGlite is one node)',
    async () => {
      const { server } = app;
      const url = server.testDatabase.url!;
      const config = {
        ...server.config,
        database: { ...server.config.database, url, poolSize: 4 },
        http: { ...server.config.http, port: 0 },
      };
      const handle = await openDatabase(config);
      const nodeB = await startServer({ config, logger: createLogger('silent'), database: handle });
      await worker?.stop();
      worker = undefined;
      const workerB = await startWorker({ ...app, server: { ...server, baseUrl: nodeB.url } });
      try {
        const [grace] = await server.testDatabase.db
          .select()
          .from(schema.users)
          .where(eq(schema.users.email, email));
        const page = await app.pageAs(grace!.id);
        await page.goto(app.url(`/projects/${projectId}/history`));
        await page.getByRole('table', { name: 'Work orders' }).waitFor();
        const workflowId = /\/workflows\/([0-9a-f-]{36})/.exec(workflowUrl)![1]!;
        const owner = await createTestUser(server.testDatabase.db, {
          projects: { [projectId]: 'editor' },
        });
        const trigger = await triggerId(workflowId, owner.headers);
        // The webhook, the claim, the run's events: all on node B; the browser is on node A.
        const posted = await fetch(`${nodeB.url}/i/${trigger}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ n: 7 }),
        });
        const { work_order_id: workOrderId } = (await posted.json()) as { work_order_id: string };
        const row = page.getByTestId(`work-order-${workOrderId}`);
        await row.getByText('success').first().waitFor({ timeout: 120_000 });
        await row.getByRole('button', { name: /Expand work order/ }).click();
        await row.getByRole('link', { name: /^Run / }).click();
        await page.getByTestId('log-lines').getByText('second saw 8').waitFor();
      } finally {
        await workerB.stop();
        await nodeB.close();
        await handle.close();
      }
    },
    240_000,
  );
});

async function triggerId(workflowId: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(app.url(`/api/workflows/${workflowId}`), { headers });
  const { data } = (await response.json()) as { data: { triggers: { id: string }[] } };
  return data.triggers[0]!.id;
}
