// The emailed-link flows over a real SMTP session: the server sends through MAIL_PROVIDER=smtp to
// an `smtp-server` started here, each message is parsed with mailparser, and the test follows the
// link in it the way a person would (the web page posts the token from the link back).
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { schema } from '../db/index.js';
import { Browser } from '../test-support/browser.js';
import { findPlaintextSecrets } from '../test-support/secret-scan.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** Every client of this file, so the final scan knows every token the server handed out. */
const browsers: Browser[] = [];
const track = (browser: Browser) => {
  browsers.push(browser);
  return browser;
};
const PASSWORD = 'violet-Kettle-38-drums';
const NEW_PASSWORD = 'amber-Walrus-71-tides';
const SMTP_USER = 'relay-user';
const SMTP_PASSWORD = 'relay-password-9c2e';

let smtp: SMTPServer;
let server: TestServer;
const newBrowser = () => track(new Browser(server.baseUrl));
const inbox: ParsedMail[] = [];
const arrivals = new EventEmitter();
const secrets: string[] = [PASSWORD, NEW_PASSWORD];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          inbox.push(mail);
          arrivals.emit('mail');
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  server = await startTestServer({
    MAIL_PROVIDER: 'smtp',
    SMTP_RELAY: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_TLS: 'false',
    SMTP_USERNAME: SMTP_USER,
    SMTP_PASSWORD: SMTP_PASSWORD,
    EMAIL_ADMIN: 'noreply@lightning.test',
    REQUIRE_EMAIL_VERIFICATION: 'true',
  });
  // The first user (superuser, confirmed at once) so the others are ordinary sign-ups.
  await newBrowser().post('/api/users/register', {
    first_name: 'Root',
    email: 'root@example.com',
    password: PASSWORD,
  });
});
afterAll(async () => {
  await server?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

/** The mails received for `to` so far (the SMTP exchange ends before the API answers). */
const mailsTo = (to: string) => inbox.filter((mail) => mail.to && toAddresses(mail).includes(to));
const toAddresses = (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to : [mail.to!]).flatMap((a) => a.value.map((v) => v.address));

/**
 * Resolves once `count` mails to `to` have arrived. "Send me a link" requests answer before the
 * mail is delivered (so their timing reveals nothing), so the test waits for the mail itself.
 */
async function mailArrived(to: string, count: number): Promise<ParsedMail> {
  while (mailsTo(to).length < count) await once(arrivals, 'mail');
  return mailsTo(to).at(-1)!;
}

/** The token of the last mail to `to` whose link goes to `/users/<page>/<token>`. */
function linkToken(to: string, page: string): string {
  const mail = mailsTo(to).at(-1);
  expect(mail, `a mail to ${to}`).toBeDefined();
  const match = new RegExp(`${server.config.http.publicUrl}/users/${page}/([A-Za-z0-9_-]+)`).exec(
    mail!.text ?? '',
  );
  expect(match, `a /users/${page}/ link in "${mail!.subject}"`).not.toBeNull();
  secrets.push(match![1]!);
  return match![1]!;
}

describe('email verification (REQUIRE_EMAIL_VERIFICATION=true)', () => {
  it('blocks sign-in until the emailed link is used', async () => {
    const browser = newBrowser();
    const registered = await browser.post('/api/users/register', {
      first_name: 'Ada',
      email: 'ada@example.com',
      password: PASSWORD,
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      data: { user: { confirmed: false } },
      confirmation_required: true,
    });
    expect(browser.cookies.size).toBe(0);

    const mail = mailsTo('ada@example.com')[0]!;
    expect(mail.subject).toBe('Confirm your Lightning account');
    expect(mail.from?.value[0]?.address).toBe('noreply@lightning.test');
    expect(mail.text).toContain('Lightning');
    expect(mail.text).not.toContain(PASSWORD);
    const firstToken = linkToken('ada@example.com', 'confirm');

    const blocked = await browser.post('/api/session', {
      email: 'ada@example.com',
      password: PASSWORD,
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body).toMatchObject({ confirmation_required: true });
    expect(browser.cookies.size).toBe(0);
    // A wrong password still gets the plain 401: the 403 tells nothing to someone without it.
    const wrong = await browser.post('/api/session', {
      email: 'ada@example.com',
      password: NEW_PASSWORD,
    });
    expect(wrong.status).toBe(401);

    // Resending works for the account, and answers the same for an unknown address.
    expect(
      (await browser.post('/api/email_confirmation/resend', { email: 'ghost@example.com' })).status,
    ).toBe(202);
    expect(
      (await browser.post('/api/email_confirmation/resend', { email: 'ADA@example.com' })).status,
    ).toBe(202);
    await mailArrived('ada@example.com', 2);
    expect(mailsTo('ghost@example.com')).toEqual([]);
    const secondToken = linkToken('ada@example.com', 'confirm');

    expect(
      (await browser.post('/api/email_confirmation/confirm', { token: 'not-a-token' })).status,
    ).toBe(422);
    const confirmed = await browser.post('/api/email_confirmation/confirm', { token: firstToken });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data).toMatchObject({ email: 'ada@example.com', confirmed: true });
    // Every confirmation link of the address is spent by the confirmation.
    const stale = await browser.post('/api/email_confirmation/confirm', { token: secondToken });
    expect(stale.status).toBe(422);
    expect(stale.body.errors).toEqual({ token: ['is invalid or has expired'] });

    const signedIn = await browser.post('/api/session', {
      email: 'ada@example.com',
      password: PASSWORD,
    });
    expect(signedIn.status).toBe(200);
  });
});

describe('password reset', () => {
  it('resets by the emailed single-use link, ending every session', async () => {
    const session = newBrowser();
    expect(
      (await session.post('/api/session', { email: 'ada@example.com', password: PASSWORD })).status,
    ).toBe(200);

    const anonymous = newBrowser();
    const received = mailsTo('ada@example.com').length;
    expect(
      (await anonymous.post('/api/password_reset', { email: 'ghost@example.com' })).status,
    ).toBe(202);
    expect((await anonymous.post('/api/password_reset', { email: 'Ada@Example.com' })).status).toBe(
      202,
    );
    const mail = await mailArrived('ada@example.com', received + 1);
    expect(mailsTo('ghost@example.com')).toEqual([]);
    expect(mail.subject).toBe('Reset your Lightning password');
    expect(mail.text).not.toContain(PASSWORD);
    const token = linkToken('ada@example.com', 'reset_password');

    // A weak password is refused and leaves the link usable.
    const weak = await anonymous.post('/api/password_reset/confirm', {
      token,
      password: 'password-12345',
    });
    expect(weak.status).toBe(422);
    expect(weak.body.errors.password.length).toBeGreaterThan(0);

    const reset = await anonymous.post('/api/password_reset/confirm', {
      token,
      password: NEW_PASSWORD,
    });
    expect(reset.status).toBe(204);
    expect((await session.get('/api/me')).status).toBe(401);
    expect(
      (await anonymous.post('/api/session', { email: 'ada@example.com', password: PASSWORD }))
        .status,
    ).toBe(401);
    expect(
      (await anonymous.post('/api/session', { email: 'ada@example.com', password: NEW_PASSWORD }))
        .status,
    ).toBe(200);

    // Used once: refused the second time.
    const reused = await anonymous.post('/api/password_reset/confirm', {
      token,
      password: 'third-Pebble-52-lanes',
    });
    expect(reused.status).toBe(422);
    expect(reused.body.errors).toEqual({ token: ['is invalid or has expired'] });
  });

  it('refuses an expired reset link', async () => {
    const anonymous = newBrowser();
    const received = mailsTo('ada@example.com').length;
    await anonymous.post('/api/password_reset', { email: 'ada@example.com' });
    await mailArrived('ada@example.com', received + 1);
    const token = linkToken('ada@example.com', 'reset_password');
    await server.testDatabase.db
      .update(schema.userTokens)
      .set({ insertedAt: sql`now() - interval '25 hours'` })
      .where(eq(schema.userTokens.context, 'reset_password'));
    const expired = await anonymous.post('/api/password_reset/confirm', {
      token,
      password: 'third-Pebble-52-lanes',
    });
    expect(expired.status).toBe(422);
    expect(
      (await anonymous.post('/api/session', { email: 'ada@example.com', password: NEW_PASSWORD }))
        .status,
    ).toBe(200);
  });
});

describe('email change', () => {
  it('moves the account to the new address once the link mailed there is used', async () => {
    const browser = newBrowser();
    await browser.post('/api/session', { email: 'ada@example.com', password: NEW_PASSWORD });

    const wrong = await browser.post('/api/me/email', {
      email: 'ada.new@example.com',
      current_password: PASSWORD,
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual({ current_password: ['is not valid'] });
    const taken = await browser.post('/api/me/email', {
      email: 'ROOT@example.com',
      current_password: NEW_PASSWORD,
    });
    expect(taken.body.errors).toEqual({ email: ['has already been taken'] });

    const requested = await browser.post('/api/me/email', {
      email: 'Ada.New@example.com',
      current_password: NEW_PASSWORD,
    });
    expect(requested.status).toBe(202);
    const mail = mailsTo('ada.new@example.com').at(-1)!;
    expect(mail.subject).toBe('Confirm your new Lightning email address');
    expect(mail.text).not.toContain(NEW_PASSWORD);
    const token = linkToken('ada.new@example.com', 'confirm_email');
    // Nothing changes until the link is used.
    expect((await browser.get('/api/me')).body.data.email).toBe('ada@example.com');

    const confirmed = await browser.post('/api/email_change/confirm', { token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data).toMatchObject({ email: 'ada.new@example.com', confirmed: true });
    expect((await browser.post('/api/email_change/confirm', { token })).status).toBe(422);

    const anonymous = newBrowser();
    expect(
      (await anonymous.post('/api/session', { email: 'ada@example.com', password: NEW_PASSWORD }))
        .status,
    ).toBe(401);
    expect(
      (
        await anonymous.post('/api/session', {
          email: 'ada.new@example.com',
          password: NEW_PASSWORD,
        })
      ).status,
    ).toBe(200);
    const events = await server.testDatabase.db
      .select({ event: schema.auditEvents.event })
      .from(schema.auditEvents);
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['password_reset', 'email_changed']),
    );
  });

  it('leaves no plaintext password, session or link token in the account tables', async () => {
    const sessionTokens = browsers.flatMap((browser) => browser.seenTokens);
    const { hits, valuesScanned } = await findPlaintextSecrets(
      server.testDatabase.db,
      ['users', 'user_tokens', 'user_totps', 'user_backup_codes', 'audit_events'],
      [...secrets, ...sessionTokens],
    );
    expect(secrets.length).toBeGreaterThan(5);
    expect(sessionTokens.length).toBeGreaterThan(3);
    expect(valuesScanned).toBeGreaterThan(10);
    expect(hits).toEqual([]);
  });
});
