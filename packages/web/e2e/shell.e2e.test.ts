// The app shell in a real browser: the first user signs up (and becomes superuser), creates a
// project, walks the settings pages, signs out and back in; a viewer sees settings read-only.
import type { Page } from 'playwright-core';
import { addMember, createTestUser } from '../../server/src/test-support/actors.js';
import { type App, startApp, unlabelledControls } from './support.js';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

const email = 'ada@example.org';
const password = 'correct horse battery staple';
let projectId = '';

async function expectHeading(page: Page, name: string | RegExp) {
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

describe('the web app shell', () => {
  it('lets the first user sign up, create a project and open every settings page', async () => {
    const page = await app.newPage();
    await page.goto(app.url('/'));
    // Signed out on a fresh instance: the first page creates the first account.
    await expectHeading(page, 'Create the first account');

    // A weak password is refused with the server's message beside the field.
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const passwordField = page.getByLabel('Password');
    await page.locator('.field-error').first().waitFor();
    expect(await passwordField.getAttribute('aria-invalid')).toBe('true');

    await passwordField.fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(page, 'Projects');
    await page.getByText('You have no projects yet.').waitFor();

    // Create a project: a bad name gets a field error, a good one opens the project.
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Name').fill('Not OK!');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByText('may only contain lower-case letters, digits and hyphens').waitFor();
    await page.getByLabel('Name').fill('patient-sync');
    await page.getByLabel('Description').fill('Syncs patients');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}\//);
    projectId = /\/projects\/([0-9a-f-]{36})/.exec(page.url())![1]!;

    // The switcher knows the project.
    const switcher = page.getByRole('combobox', { name: 'Project' });
    await expect.poll(() => switcher.inputValue()).toBe(projectId);

    // A second project, then back to the first through the switcher.
    await page.getByRole('link', { name: 'Lightning' }).click();
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Name').fill('billing');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(
      (url) => !url.pathname.includes(projectId) && url.pathname !== '/projects',
    );
    await switcher.selectOption({ label: 'patient-sync' });
    await page.waitForURL(new RegExp(`/projects/${projectId}/`));

    await page.getByRole('link', { name: 'Settings' }).click();
    await expectHeading(page, 'Settings · patient-sync');
    await page.getByLabel('Description').fill('Syncs patients nightly');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();

    const sections: [string, string | RegExp][] = [
      ['Members', 'Add a member'],
      ['Webhook security', 'Webhook auth methods'],
      ['Data retention', 'Data retention'],
      ['Notifications', 'Your notifications'],
      ['Credentials', 'Credentials'],
      ['Audit trail', 'Audit trail'],
    ];
    for (const [tab, heading] of sections) {
      await page
        .getByRole('navigation', { name: 'Settings sections' })
        .getByRole('link', { name: tab })
        .click();
      await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
      expect(await page.getByRole('alert').count(), tab).toBe(0);
      expect(await unlabelledControls(page), tab).toEqual([]);
    }
    // The member list shows the owner.
    await page
      .getByRole('navigation', { name: 'Settings sections' })
      .getByRole('link', { name: 'Members' })
      .click();
    await page.getByRole('cell', { name: email }).waitFor();

    // Sign out, then sign back in and land where we asked to go.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(page, 'Sign in');
    await page.goto(app.url(`/projects/${projectId}/settings/data`));
    await expectHeading(page, 'Sign in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password entirely');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Data retention', level: 2 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/projects/${projectId}/settings/data`);
  });

  it('shows a viewer the settings read-only', async () => {
    expect(projectId).not.toBe('');
    const viewer = await createTestUser(app.server.testDatabase.db, {
      email: 'viewer@example.org',
    });
    await addMember(app.server.testDatabase.db, projectId, viewer.id, 'viewer');
    const page = await app.pageAs(viewer.id);
    await page.goto(app.url(`/projects/${projectId}/settings`));
    await expectHeading(page, 'Settings · patient-sync');
    await page.getByText('settings are read-only for you').waitFor();
    expect(await page.getByLabel('Name').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);

    const tabs = page.getByRole('navigation', { name: 'Settings sections' });
    await tabs.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('cell', { name: email }).waitFor();
    expect(await page.getByRole('form', { name: 'Add a member' }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: /Role of/ }).count()).toBe(0);

    await tabs.getByRole('link', { name: 'Data retention' }).click();
    expect(await page.getByLabel('History retention').isDisabled()).toBe(true);

    // The project's data is theirs to read, but not the instance's administration.
    await page.goto(app.url('/admin/users'));
    await page.getByText('Only instance administrators can see this page.').waitFor();
  });

  it('creates a credential from its schema and a webhook key shown once', async () => {
    const owner = await app.newPage();
    await owner.goto(app.url('/sign-in'));
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Password').fill(password);
    await owner.getByRole('button', { name: 'Sign in' }).click();
    await owner.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

    await owner.goto(app.url(`/projects/${projectId}/settings/credentials`));
    await owner.getByRole('button', { name: 'New credential' }).click();
    await owner.getByLabel('Type').selectOption({ label: 'HTTP' });
    await owner.getByLabel('Name', { exact: true }).fill('registry');
    // The form is drawn from the HTTP schema: a secret is a password field.
    expect(await owner.getByLabel('Password (optional)').getAttribute('type')).toBe('password');
    await owner.getByLabel('Base URL (optional)').fill('not a url');
    await owner.getByLabel('Password (optional)').fill('s3cret-value');
    await owner.getByRole('button', { name: 'Create credential' }).click();
    const baseUrl = owner.getByLabel('Base URL (optional)');
    await expect.poll(() => baseUrl.getAttribute('aria-invalid')).toBe('true');
    expect(await unlabelledControls(owner)).toEqual([]);
    await baseUrl.fill('https://registry.example.org');
    await owner.getByRole('button', { name: 'Create credential' }).click();
    await owner.getByRole('cell', { name: 'registry', exact: true }).waitFor();
    expect(await owner.getByText('s3cret-value').count()).toBe(0);
    // Its owner may delete it.
    owner.once('dialog', (dialog) => dialog.accept());
    await owner.getByRole('button', { name: 'Delete registry' }).click();
    await owner.getByText('No credentials are shared with this project yet.').waitFor();

    await owner.getByRole('link', { name: 'Webhook security' }).click();
    await owner.getByRole('heading', { name: 'New webhook auth method' }).waitFor();
    await owner.getByLabel('Name').fill('partner key');
    await owner.getByRole('button', { name: 'Create' }).click();
    const key = owner.locator('code.secret');
    await key.waitFor();
    const shown = (await key.textContent())?.trim() ?? '';
    expect(shown).toMatch(/^[0-9a-f]{64}$/);
    await owner.getByRole('cell', { name: 'partner key' }).waitFor();
    await owner.reload();
    await owner.getByRole('cell', { name: 'partner key' }).waitFor();
    expect(await owner.getByText(shown).count()).toBe(0);

    // What happened is in the project's audit trail.
    await owner.getByRole('link', { name: 'Audit trail' }).click();
    const trail = owner.getByRole('table', { name: 'Audit trail' });
    await trail.waitFor();
    expect(await trail.getByRole('row').count()).toBeGreaterThan(1);
  });

  it('shows where keyboard focus is', async () => {
    const page = await app.newPage();
    await page.goto(app.url('/sign-in'));
    await page.getByLabel('Email').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
  });

  it('lets the superuser disable an account', async () => {
    const someone = await createTestUser(app.server.testDatabase.db, {
      email: 'mallory@example.org',
    });
    const page = await app.newPage();
    await page.goto(app.url('/sign-in'));
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Instance administration' }).waitFor();
    await page.getByRole('button', { name: 'Disable mallory@example.org' }).click();
    await page.getByRole('button', { name: 'Enable mallory@example.org' }).waitFor();
    const me = await fetch(app.url('/api/me'), { headers: someone.headers });
    expect(me.status).toBe(401);
  });

  it('answers unknown pages and projects with a message, never a stack trace', async () => {
    const stranger = await createTestUser(app.server.testDatabase.db, {
      email: 'stranger@example.org',
    });
    const page = await app.pageAs(stranger.id);

    // Someone else's project looks the same as a missing one.
    await page.goto(app.url(`/projects/${projectId}/settings`));
    await page
      .getByRole('alert')
      .getByText(/not found/i)
      .waitFor();
    await page.getByRole('button', { name: 'Try again' }).waitFor();

    await page.goto(app.url('/no/such/page'));
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toMatch(/\n\s+at \S+ \(/);
    expect(text).not.toContain('Error:');
  });

  it('lets an admin add a member by email, change their role and remove them', async () => {
    await createTestUser(app.server.testDatabase.db, { email: 'grace@example.org' });
    const owner = await app.newPage();
    await owner.goto(app.url(`/projects/${projectId}/settings/members`));
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Password').fill(password);
    await owner.getByRole('button', { name: 'Sign in' }).click();
    await owner.getByRole('heading', { name: 'Add a member' }).waitFor();

    // Someone without an account: the server says so beside the email field.
    const form = owner.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Email').fill('nobody@example.org');
    await form.getByRole('button', { name: 'Add member' }).click();
    await expect.poll(() => form.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Email').fill('grace@example.org');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByRole('button', { name: 'Add member' }).click();
    const role = owner.getByRole('combobox', { name: 'Role of grace@example.org' });
    await expect.poll(() => role.inputValue()).toBe('viewer');

    const saved = owner.waitForResponse(
      (response) => response.request().method() === 'PATCH' && response.url().includes('/members/'),
    );
    await role.selectOption('editor');
    expect((await saved).status()).toBe(200);
    await owner.reload();
    await expect
      .poll(() => owner.getByRole('combobox', { name: 'Role of grace@example.org' }).inputValue())
      .toBe('editor');

    owner.once('dialog', (dialog) => dialog.accept());
    await owner.getByRole('button', { name: 'Remove grace@example.org' }).click();
    await expect
      .poll(() => owner.getByRole('cell', { name: 'grace@example.org', exact: true }).count())
      .toBe(0);
  });

  it('lets the owner delete a project, which leaves the list and the switcher', async () => {
    const owner = await app.newPage();
    await owner.goto(app.url('/sign-in'));
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Password').fill(password);
    await owner.getByRole('button', { name: 'Sign in' }).click();
    await owner.getByRole('button', { name: 'New project' }).click();
    await owner.getByLabel('Name').fill('scratch');
    await owner.getByRole('button', { name: 'Create project' }).click();
    await owner.waitForURL(/\/projects\/[0-9a-f-]{36}\//);
    await owner.getByRole('link', { name: 'Settings' }).click();
    await owner.getByRole('heading', { name: 'Settings · scratch' }).waitFor();
    const switcher = owner.getByRole('combobox', { name: 'Project' });
    await switcher.getByRole('option', { name: 'scratch' }).waitFor({ state: 'attached' });

    owner.once('dialog', (dialog) => dialog.accept());
    await owner.getByRole('button', { name: 'Delete project' }).click();
    await owner.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await owner.getByRole('link', { name: /patient-sync/ }).waitFor();
    expect(await owner.getByRole('link', { name: /scratch/ }).count()).toBe(0);
    await expect.poll(() => switcher.getByRole('option', { name: 'scratch' }).count()).toBe(0);
  });
});
