// The account screens in a real browser: an API token shown once, two-factor enrolment with the QR
// code and backup codes (then a sign-in that needs the second step), a password reset through the
// mail the instance keeps in its local mailbox, read on the admin's mailbox page.
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { type App, readMail, startApp } from './support.js';

let app: App;
beforeAll(async () => {
  app = await startApp({ MAIL_PROVIDER: 'local' });
});
afterAll(async () => {
  await app?.close();
});

let email = 'ada@example.org';
const password = 'correct horse battery staple';

async function signUpFirstUser(page: Page) {
  await page.goto(app.url('/sign-up'));
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}

async function signIn(page: Page, withPassword: string) {
  await page.goto(app.url('/sign-in'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(withPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the account pages', () => {
  let admin: Page;
  let backupCode = '';

  it('shows a new API token once', async () => {
    admin = await app.newPage();
    await signUpFirstUser(admin);
    await admin.getByRole('link', { name: email }).click();
    await admin.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    await admin.getByLabel('Token name').fill('deploy script');
    await admin.getByRole('button', { name: 'Create token' }).click();
    const shown = admin.getByTestId('new-api-token');
    await shown.waitFor();
    const token = (await shown.textContent())?.trim() ?? '';
    expect(token.length).toBeGreaterThan(20);

    // The token works against the API…
    const me = await fetch(app.url('/api/me'), { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    // …and after a reload only its name is listed.
    await admin.reload();
    await admin.getByRole('cell', { name: 'deploy script', exact: true }).waitFor();
    expect(await admin.getByText(token).count()).toBe(0);
  });

  it('enrols two-factor authentication and asks for it at the next sign-in', async () => {
    await admin.goto(app.url('/account'));
    await admin.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    await admin.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    expect(await admin.locator('.qr svg').count()).toBe(1);
    const secret = (await admin.locator('.qr + p code').textContent())?.trim() ?? '';
    expect(secret).not.toBe('');

    // A wrong code is refused beside the field.
    await admin.getByLabel('Code from your authenticator app').fill('000000');
    await admin.getByRole('button', { name: 'Turn on' }).click();
    await admin.getByRole('alert').first().waitFor();

    await admin.getByLabel('Code from your authenticator app').fill(await generate({ secret }));
    await admin.getByRole('button', { name: 'Turn on' }).click();
    const codes = admin.getByRole('list', { name: 'Backup codes' }).getByRole('listitem');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    backupCode = ((await codes.first().textContent()) ?? '').trim();

    // A fresh browser: password, then the second step (a backup code, usable once).
    const other = await app.newPage();
    await signIn(other, password);
    await other.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await other.getByRole('button', { name: 'Use a backup code' }).click();
    await other.getByLabel('Backup code').fill(backupCode);
    await other.getByRole('button', { name: 'Verify' }).click();
    await other.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  });

  it('changes the email address once the new one is confirmed', async () => {
    const newEmail = 'ada.lovelace@example.org';
    await admin.goto(app.url('/account'));
    await admin.getByLabel('New email').fill(newEmail);
    await admin
      .getByRole('form', { name: 'Email address' })
      .getByLabel('Current password')
      .fill(password);
    await admin.getByRole('button', { name: 'Change email' }).click();
    await admin.getByText(`We sent a confirmation link to ${newEmail}`).waitFor();

    const text = await readMail(app, admin, /Confirm your new .* email address/);
    const link = /\S*\/users\/confirm_email\/\S+/.exec(text)?.[0];
    expect(link).toBeDefined();
    await admin.goto(app.url(new URL(link!).pathname));
    await admin.getByText('Your email address was changed.').waitFor();
    await admin.getByRole('link', { name: 'Go to your account' }).click();
    await admin.getByText(`Currently ${newEmail}`).waitFor();
    email = newEmail;
  });

  it('resets a forgotten password with the link from the mail', async () => {
    const visitor = await app.newPage();
    await visitor.goto(app.url('/sign-in'));
    await visitor.getByRole('link', { name: 'Forgot your password?' }).click();
    // The sign-in page stays until the next page's code has loaded: wait for the new page.
    await visitor.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await visitor.getByLabel('Email').fill(email);
    await visitor.getByRole('button', { name: 'Send reset link' }).click();
    await visitor.getByText('we sent it a link').waitFor();

    // The superuser reads the kept mail in the instance's mailbox.
    const text = await readMail(app, admin, /Reset your .* password/);
    const link = /\S*\/users\/reset_password\/\S+/.exec(text)?.[0];
    expect(link).toBeDefined();

    await visitor.goto(app.url(new URL(link!).pathname));
    await visitor.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    const newPassword = 'a brand new passphrase';
    await visitor.getByLabel('New password', { exact: true }).fill(newPassword);
    await visitor.getByLabel('Confirm the new password').fill('something else entirely');
    await visitor.getByRole('button', { name: 'Change password' }).click();
    await visitor.getByText('does not match the password').waitFor();
    await visitor.getByLabel('Confirm the new password').fill(newPassword);
    await visitor.getByRole('button', { name: 'Change password' }).click();
    await visitor.getByText('Your password was changed.').waitFor();

    await signIn(visitor, newPassword);
    await visitor.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
  });

  it('lets a user who has not confirmed their address ask for the link again', async () => {
    const page = await app.newPage();
    await page.goto(app.url('/sign-up'));
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Email').fill('grace@example.org');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.goto(app.url('/account'));
    await page.getByText('(not confirmed yet)').waitFor();
    await page.getByRole('button', { name: 'Send the confirmation link again' }).click();
    await page.getByText('A new confirmation link is on its way').waitFor();
  });
});
