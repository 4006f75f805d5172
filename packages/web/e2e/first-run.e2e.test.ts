// A fresh instance, as its first user meets it: the first page creates the first (admin) account
// rather than asking to sign in, the password rules are there before anything is typed, and a
// refused password is explained once.
import { type App, startApp } from './support.js';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

describe('a fresh instance', () => {
  it('opens on creating the first (admin) account, with the password rules listed up front', async () => {
    const page = await app.newPage();
    await page.goto(app.url('/'));
    await page.getByRole('heading', { name: 'Create the first account', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-up');
    await page.getByText('the first account becomes its administrator').waitFor();

    // The rules the server enforces are listed under the field before anything is typed, and the
    // field points at them (aria-describedby).
    const password = page.getByLabel('Password');
    expect(await password.inputValue()).toBe('');
    const rules = page.locator('.password-rules li');
    expect(await rules.allTextContents()).toEqual(
      expect.arrayContaining(['12 to 72 characters', 'not your email address or your name']),
    );
    const hintId = (await password.getAttribute('aria-describedby'))?.split(' ')[0];
    expect(await page.locator(`[id="${hintId}"] .password-rules`).count()).toBe(1);

    // A refused password: its reason appears once, beside the field, not again above the form.
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Email').fill('ada@example.org');
    await password.fill('aaaaaaaaaaaaaaaa');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('.field-error').first().waitFor();
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('uses only one kind of character').count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(1);

    await password.fill('violet-Kettle-38-drums');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    // The first account administers the instance.
    await page.getByRole('link', { name: 'Admin' }).waitFor();

    // From now on the instance has users: signed out, the first page is sign-in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    const other = await app.newPage();
    await other.goto(app.url('/'));
    await other.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  });
});
