// MFA end to end: enrolment with a code from the secret (as an authenticator app would compute it),
// sign-in with a TOTP code and with backup codes (each usable once), and a raw scan of the account
// tables afterwards for any plaintext password, token, secret or backup code.
import { eq, sql } from 'drizzle-orm';
import { generate } from 'otplib';
import { schema } from '../db/index.js';
import { Browser } from '../test-support/browser.js';
import { findPlaintextSecrets } from '../test-support/secret-scan.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const PASSWORD = 'violet-Kettle-38-drums';
const EMAIL = 'mfa-user@example.com';

let server: TestServer;
/** Everything secret these tests saw, for the final scan. */
const secrets: string[] = [PASSWORD];
/** The token part of a signed cookie (`<token>.<signature>`). */
const cookieToken = (browser: Browser, name: string) => {
  const value = decodeURIComponent(browser.cookies.get(name) ?? '');
  secrets.push(value.slice(0, value.lastIndexOf('.')));
  return value;
};

beforeAll(async () => {
  server = await startTestServer();
  const browser = new Browser(server.baseUrl);
  // A first user takes the superuser seat, so the MFA user is an ordinary one.
  await browser.post('/api/users/register', {
    first_name: 'Root',
    email: 'root@example.com',
    password: PASSWORD,
  });
  await new Browser(server.baseUrl).post('/api/users/register', {
    first_name: 'Grace',
    email: EMAIL,
    password: PASSWORD,
  });
});
afterAll(() => server?.close());

const signInWithPassword = async () => {
  const browser = new Browser(server.baseUrl);
  const response = await browser.post('/api/session', { email: EMAIL, password: PASSWORD });
  return { browser, response };
};

let secret: string;
let backupCodes: string[];

/**
 * The code an authenticator app shows for `secret`. A code is accepted once per 30-second step;
 * tests that sign in several times within one step stand for later steps by forgetting the last
 * accepted one (rather than waiting for the clock).
 */
async function nextCode(totpSecret: string): Promise<string> {
  await server.testDatabase.db.update(schema.userTotps).set({ lastUsedStep: null });
  return generate({ secret: totpSecret });
}

describe('MFA', () => {
  it('enrols with a QR code and a code from the secret, and hands out ten backup codes', async () => {
    const { browser } = await signInWithPassword();
    cookieToken(browser, 'lightning_session');
    const setup = await browser.post('/api/me/mfa/setup');
    expect(setup.status).toBe(200);
    secret = setup.body.data.secret;
    secrets.push(secret);
    expect(setup.body.data.otpauth_uri).toMatch(
      new RegExp(`^otpauth://totp/Lightning:mfa-user%40example\\.com\\?.*secret=${secret}`),
    );
    expect(setup.body.data.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    // Not in force before a code verifies.
    expect((await browser.get('/api/me')).body.data.mfa_enabled).toBe(false);

    const wrong = await browser.post('/api/me/mfa/enable', { code: '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual({ code: ['is invalid or has expired'] });
    expect((await browser.post('/api/me/mfa/enable', {})).body.errors).toEqual({
      code: ['is required'],
    });

    const enabled = await browser.post('/api/me/mfa/enable', { code: await nextCode(secret) });
    expect(enabled.status).toBe(200);
    backupCodes = enabled.body.data.backup_codes;
    secrets.push(...backupCodes);
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);
    expect((await browser.get('/api/me')).body.data.mfa_enabled).toBe(true);
    // A second setup would replace the secret in force: refused.
    expect((await browser.post('/api/me/mfa/setup')).status).toBe(409);
  });

  it('asks for the second factor after the password, then accepts a TOTP code', async () => {
    const { browser, response } = await signInWithPassword();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ mfa_required: true });
    expect(browser.cookies.has('lightning_session')).toBe(false);
    expect(response.setCookies.join()).toMatch(/lightning_mfa=.+Max-Age=300.*HttpOnly/i);
    cookieToken(browser, 'lightning_mfa');
    // Half signed in is not signed in.
    expect((await browser.get('/api/me')).status).toBe(401);

    const wrong = await browser.post('/api/session/mfa', { code: '123456' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'Invalid code' });

    const done = await browser.post('/api/session/mfa', { code: await nextCode(secret) });
    expect(done.status).toBe(200);
    expect(done.body.data.user.email).toBe(EMAIL);
    expect(browser.cookies.has('lightning_mfa')).toBe(false);
    cookieToken(browser, 'lightning_session');
    expect((await browser.get('/api/me')).status).toBe(200);
    // The challenge is spent with the sign-in.
    expect((await browser.post('/api/session/mfa', { code: await nextCode(secret) })).status).toBe(
      401,
    );
  });

  it('refuses a TOTP code that was already used (replay)', async () => {
    const code = await nextCode(secret);
    const first = await signInWithPassword();
    expect((await first.browser.post('/api/session/mfa', { code })).status).toBe(200);
    const second = await signInWithPassword();
    const replayed = await second.browser.post('/api/session/mfa', { code });
    expect(replayed.status).toBe(401);
    expect(replayed.body).toEqual({ error: 'Invalid code' });
  });

  it('accepts a backup code once; its second use is refused', async () => {
    const first = await signInWithPassword();
    const used = await first.browser.post('/api/session/mfa', { backup_code: backupCodes[0] });
    expect(used.status).toBe(200);

    const second = await signInWithPassword();
    const again = await second.browser.post('/api/session/mfa', { backup_code: backupCodes[0] });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ error: 'Invalid code' });
    // Typed with capitals and without the dash, another code still works.
    const other = await second.browser.post('/api/session/mfa', {
      backup_code: backupCodes[1]!.replace('-', '').toUpperCase(),
    });
    expect(other.status).toBe(200);
  });

  it('lets only one of two simultaneous uses of a backup code through', async () => {
    const [a, b] = await Promise.all([signInWithPassword(), signInWithPassword()]);
    const statuses = await Promise.all(
      [a, b].map(
        async ({ browser }) =>
          (await browser.post('/api/session/mfa', { backup_code: backupCodes[4] })).status,
      ),
    );
    expect(statuses.sort()).toEqual([200, 401]);
  });

  it('refuses the second step without a password step, or after five minutes', async () => {
    const stranger = new Browser(server.baseUrl);
    expect((await stranger.post('/api/session/mfa', { backup_code: backupCodes[2] })).status).toBe(
      401,
    );

    const { browser } = await signInWithPassword();
    await server.testDatabase.db
      .update(schema.userTokens)
      .set({ insertedAt: sql`now() - interval '6 minutes'` })
      .where(eq(schema.userTokens.context, 'mfa_pending'));
    const late = await browser.post('/api/session/mfa', { backup_code: backupCodes[2] });
    expect(late.status).toBe(401);
  });

  it('renews backup codes and disables MFA only with a valid code', async () => {
    const { browser } = await signInWithPassword();
    await browser.post('/api/session/mfa', { code: await nextCode(secret) });

    expect((await browser.post('/api/me/mfa/backup_codes', { code: '000000' })).status).toBe(422);
    const renewed = await browser.post('/api/me/mfa/backup_codes', {
      code: await nextCode(secret),
    });
    expect(renewed.status).toBe(200);
    const fresh: string[] = renewed.body.data.backup_codes;
    secrets.push(...fresh);
    expect(fresh).toHaveLength(10);
    // The old, unused codes are gone.
    const retry = await signInWithPassword();
    expect(
      (await retry.browser.post('/api/session/mfa', { backup_code: backupCodes[3] })).status,
    ).toBe(401);

    expect((await browser.delete('/api/me/mfa', { code: '000000' })).status).toBe(422);
    expect((await browser.delete('/api/me/mfa', { code: await nextCode(secret) })).status).toBe(
      204,
    );
    expect((await browser.get('/api/me')).body.data.mfa_enabled).toBe(false);
    const db = server.testDatabase.db;
    expect(await db.select().from(schema.userTotps)).toEqual([]);
    expect(await db.select().from(schema.userBackupCodes)).toEqual([]);
    const plain = await signInWithPassword();
    expect(plain.response.body.data.user.email).toBe(EMAIL);
  });

  it('stores the secret and backup codes encrypted: a raw scan finds no plaintext secret', async () => {
    // Enrol again so a secret and codes are stored at the time of the scan.
    const { browser } = await signInWithPassword();
    cookieToken(browser, 'lightning_session');
    const setup = await browser.post('/api/me/mfa/setup');
    secrets.push(setup.body.data.secret);
    const enabled = await browser.post('/api/me/mfa/enable', {
      code: await nextCode(setup.body.data.secret),
    });
    secrets.push(...enabled.body.data.backup_codes);
    const second = await signInWithPassword();
    cookieToken(second.browser, 'lightning_mfa');

    const db = server.testDatabase.db;
    expect((await db.select().from(schema.userTotps)).length).toBe(1);
    expect((await db.select().from(schema.userBackupCodes)).length).toBe(10);
    const { hits, valuesScanned } = await findPlaintextSecrets(
      db,
      ['users', 'user_tokens', 'user_totps', 'user_backup_codes', 'audit_events'],
      secrets,
    );
    expect(valuesScanned).toBeGreaterThan(20);
    expect(hits).toEqual([]);
    // The scan does see what is stored in plaintext (here, the email address).
    const control = await findPlaintextSecrets(db, ['users'], [EMAIL]);
    expect(control.hits).toEqual([{ table: 'users', column: 'email', secretIndex: 0 }]);
  });
});
