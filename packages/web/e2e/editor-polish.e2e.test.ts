// The editor and its neighbours as they look, not only as they work (issue 15, item 9): the Run
// tab's log uses the panel's width and names the step, preformatted lines (the versions banner)
// keep their layout, the adaptor picker shows the whole name, long code lines wrap, "Connect to"
// offers no job that would close a cycle, and the workflow list says how each workflow last ran.
import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { createTestUser } from '../../server/src/test-support/actors.js';
import { type App, startApp, startWorker, type Worker } from './support.js';

let app: App;
let worker: Worker | undefined;

beforeAll(async () => {
  app = await startApp();
  worker = await startWorker(app);
});

afterEach((context) => {
  if (context.task.result?.state === 'fail') {
    console.error(`worker output:\n${worker?.output().slice(-8000) ?? '(no worker)'}`);
  }
});

afterAll(async () => {
  await worker?.stop();
  await app?.close();
});

const COMMON = '@openfn/language-common@3.3.4';
const LONG_COMMENT = `// ${'a long explanation of what this job does, '.repeat(6)}`;

/** How many rendered text rows an element takes (its line-height is set in CSS). */
function rows(locator: Locator): Promise<number> {
  return locator.evaluate((element) => {
    const lineHeight = Number.parseFloat(getComputedStyle(element).lineHeight);
    return Math.round(element.clientHeight / lineHeight);
  });
}

async function provision(page: Page) {
  const ids = {
    project: randomUUID(),
    workflow: randomUUID(),
    trigger: randomUUID(),
    validate: randomUUID(),
    transform: randomUUID(),
    notify: randomUUID(),
  };
  const job = (id: string, name: string, body: string) => ({ id, name, adaptor: COMMON, body });
  const response = await page.request.post('/api/provision', {
    data: {
      id: ids.project,
      name: 'polish',
      workflows: [
        {
          id: ids.workflow,
          name: 'register patients',
          jobs: [
            job(
              ids.validate,
              'validate',
              `fn(state => {\n  console.log('received two patients today');\n  return state;\n}); ${LONG_COMMENT}`,
            ),
            job(ids.transform, 'transform', 'fn(state => state);'),
            job(ids.notify, 'notify', 'fn(state => state);'),
          ],
          triggers: [{ id: ids.trigger, type: 'webhook', enabled: true }],
          edges: [
            {
              id: randomUUID(),
              source_trigger_id: ids.trigger,
              target_job_id: ids.validate,
              condition_type: 'always',
            },
            {
              id: randomUUID(),
              source_job_id: ids.validate,
              target_job_id: ids.transform,
              condition_type: 'on_job_success',
            },
          ],
        },
      ],
    },
  });
  expect(response.status()).toBeLessThan(300);
  return ids;
}

describe('the editor, polished', () => {
  it('lays out the run log, adaptor, code and connections for reading, and lists last runs', async () => {
    const admin = await createTestUser(app.server.testDatabase.db, { superuser: true });
    const page = await app.pageAs(admin.id);
    await page.goto(app.url('/projects'));
    const ids = await provision(page);
    const project = `/projects/${ids.project}`;

    // The workflow list says a workflow never ran.
    await page.goto(app.url(`${project}/workflows`));
    const row = page.getByRole('row', { name: /register patients/ });
    await row.getByText('Never run').waitFor();

    await page.goto(app.url(`${project}/workflows/${ids.workflow}`));
    const canvas = page.getByTestId('workflow-canvas');
    const panel = page.getByRole('complementary', { name: 'Selected item' });
    await canvas.getByTestId('node-validate').click();

    // The adaptor's whole name fits in its picker.
    const adaptor = panel.getByLabel('Adaptor');
    await expect.poll(() => adaptor.inputValue()).toBe('@openfn/language-common');
    const fits = await adaptor.evaluate((select) => {
      const element = select as HTMLSelectElement;
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(element).font;
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = element.selectedOptions[0]?.textContent ?? '';
      document.body.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      const style = getComputedStyle(element);
      // Room for the text: the box less its padding and the arrow (about 1.5em).
      const room =
        element.clientWidth -
        Number.parseFloat(style.paddingLeft) -
        Number.parseFloat(style.paddingRight) -
        1.5 * Number.parseFloat(style.fontSize);
      return { needed, room };
    });
    expect(fits.room).toBeGreaterThanOrEqual(fits.needed);

    // A long line of code wraps inside the editor: nothing hides past its right edge.
    const code = panel.getByTestId('code-editor-job');
    await code.getByText('a long explanation').first().waitFor();
    const overflow = await code
      .locator('.cm-scroller')
      .evaluate((scroller) => scroller.scrollWidth - scroller.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);

    // "Connect to" on transform offers notify, never validate (validate → transform exists).
    await canvas.getByTestId('node-transform').click();
    const connect = panel.getByLabel('Connect to');
    const offered = await connect.locator('option').allTextContents();
    expect(offered).toContain('notify');
    expect(offered).not.toContain('validate');

    // Run validate from the Run tab: the log names the step, and its lines use the panel's width.
    await canvas.getByTestId('node-validate').click();
    await panel.getByRole('tab', { name: 'Run' }).click();
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    const runLog = panel.getByTestId('log-lines');
    const received = runLog.locator('.log-line').filter({ hasText: 'received two patients today' });
    await received.waitFor({ timeout: 120_000 });
    await expect.poll(() => received.locator('.log-source').textContent()).toBe('validate');
    expect(await rows(received.locator('.log-message'))).toBe(1);
    const banner = runLog.locator('.log-line').filter({ hasText: 'Versions:' });
    const bannerLines = ((await banner.locator('.log-message').textContent()) ?? '').split('\n');
    expect(await rows(banner.locator('.log-message'))).toBe(bannerLines.length);

    // The run inspector keeps the banner's rows whole too.
    await panel.getByRole('link', { name: 'Open in the run inspector' }).click();
    const inspectorBanner = page
      .getByTestId('log-lines')
      .locator('.log-line')
      .filter({ hasText: 'Versions:' });
    await inspectorBanner.waitFor();
    expect(await rows(inspectorBanner.locator('.log-message'))).toBe(bannerLines.length);

    // Back in the list, the workflow's last run is shown with its state, linking to it.
    await page.goto(app.url(`${project}/workflows`));
    await row.getByText('success').waitFor({ timeout: 120_000 });
    await row.getByRole('link', { name: /\d/ }).click();
    await page.getByRole('heading', { name: /^Run /, level: 1 }).waitFor();
  });
});
