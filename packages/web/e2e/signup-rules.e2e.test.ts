// Sign-up follows the instance's rules: with REQUIRE_EMAIL_VERIFICATION a new account confirms
// its address through the emailed link before it can sign in; with ALLOW_SIGNUP=false the page is
// offered only to the very first user of a fresh instance.
import type { Page } from 'playwright-core';
import { type App, readMail, startApp } from './support.js';

const password = 'correct horse battery staple';

async function signUp(app: App, page: Page, email: string, firstName: string) {
  await page.goto(app.url('/sign-up'));
  await page.getByLabel('First name').fill(firstName);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

async function signIn(app: App, page: Page, email: string) {
  await page.goto(app.url('/sign-in'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('with email verification required', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp({ REQUIRE_EMAIL_VERIFICATION: 'true', MAIL_PROVIDER: 'local' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets a new user in only after they follow the confirmation link', async () => {
    // The first user administers the instance and is let in at once.
    const admin = await app.newPage();
    await signUp(app, admin, 'ada@example.org', 'Ada');
    await admin.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

    const grace = await app.newPage();
    await signUp(app, grace, 'grace@example.org', 'Grace');
    await grace.getByRole('heading', { name: 'Check your email' }).waitFor();
    await signIn(app, grace, 'grace@example.org');
    await grace.getByRole('button', { name: 'Send the confirmation email again' }).waitFor();

    // The link arrives in the instance's local mailbox.
    const text = await readMail(app, admin, /grace@example\.org/);
    const link = /\S*\/users\/confirm\/\S+/.exec(text)?.[0];
    expect(link).toBeDefined();

    await grace.goto(app.url(new URL(link!).pathname));
    await grace.getByText('Your email address is confirmed.').waitFor();
    await signIn(app, grace, 'grace@example.org');
    await grace.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  });

  it('says so when a confirmation link is not valid', async () => {
    const page = await app.newPage();
    await page.goto(app.url('/users/confirm/not-a-real-token'));
    await page.getByText('This confirmation link is invalid or has expired').waitFor();
  });
});

describe('with sign-up closed', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp({ ALLOW_SIGNUP: 'false' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('offers sign-up to the first user only', async () => {
    const first = await app.newPage();
    await first.goto(app.url('/sign-in'));
    await first.getByRole('heading', { name: 'Create the first account' }).waitFor();
    await signUp(app, first, 'ada@example.org', 'Ada');
    await first.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

    const later = await app.newPage();
    await later.goto(app.url('/sign-in'));
    await later.getByRole('heading', { name: 'Sign in' }).waitFor();
    await later.getByRole('link', { name: 'Forgot your password?' }).waitFor();
    expect(await later.getByRole('link', { name: 'Create an account' }).count()).toBe(0);
    await later.goto(app.url('/sign-up'));
    await later.getByRole('heading', { name: 'Sign-up is closed' }).waitFor();
    expect(await later.getByLabel('Password').count()).toBe(0);
  });
});
