// Sign-up, sign-in, lockout, sessions and the signed-in user's own settings, through a real server
// and a cookie-keeping client, the way the web app uses them.
import bcrypt from 'bcryptjs';
import { eq, sql } from 'drizzle-orm';
import { schema } from '../db/index.js';
import { Browser } from '../test-support/browser.js';
import { findPlaintextSecrets } from '../test-support/secret-scan.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { PASSWORD_RULES } from './passwords.js';
import { LOCKOUT_THRESHOLD } from './sign-in.js';

/** Every client of this file, so the final scan knows every token the server handed out. */
const browsers: Browser[] = [];
const track = (browser: Browser) => {
  browsers.push(browser);
  return browser;
};
const PASSWORD = 'violet-Kettle-38-drums';

describe('with sign-up allowed (the default)', () => {
  let server: TestServer;
  const newBrowser = () => track(new Browser(server.baseUrl));
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  const register = (browser: Browser, email: string, extra: Record<string, unknown> = {}) =>
    browser.post('/api/users/register', { first_name: 'Ada', email, password: PASSWORD, ...extra });

  it('makes the first user of the instance a confirmed superuser, later ones plain users', async () => {
    const anonymous = newBrowser();
    expect((await anonymous.get('/api/instance')).body.data).toEqual({
      allow_signup: true,
      require_email_verification: false,
      mail_provider: 'local',
      has_users: false,
      password_rules: PASSWORD_RULES,
      sso: { enabled: false },
    });

    const first = newBrowser();
    const created = await register(first, 'First@Example.com');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      data: {
        user: {
          email: 'first@example.com',
          role: 'superuser',
          confirmed: true,
          mfa_enabled: false,
        },
      },
      confirmation_required: false,
    });
    // Signed in by the registration itself, with a signed HTTP-only cookie.
    expect(created.setCookies.join()).toMatch(/lightning_session=.+HttpOnly/i);
    expect((await first.get('/api/me')).body.data.email).toBe('first@example.com');

    const second = newBrowser();
    const other = await register(second, 'second@example.com', { last_name: 'Byron' });
    expect(other.status).toBe(201);
    expect(other.body.data.user).toMatchObject({ role: 'user', last_name: 'Byron' });
    expect((await anonymous.get('/api/instance')).body.data.has_users).toBe(true);
  });

  it('refuses bad registrations with the field named', async () => {
    const browser = newBrowser();
    const taken = await register(browser, 'FIRST@example.com');
    expect(taken.status).toBe(422);
    expect(taken.body.errors).toEqual({ email: ['has already been taken'] });

    const missing = await browser.post('/api/users/register', {
      email: 'no spaces@x',
      password: PASSWORD,
    });
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.body.errors).sort()).toEqual(['email', 'first_name']);

    const long = await register(browser, `${'a'.repeat(160)}@example.com`);
    expect(long.body.errors.email).toEqual(['should be at most 160 characters']);

    for (const [password, reason] of [
      ['Password1234!', /common password/],
      ['abcdefghijkl', /one kind of character/],
      ['weak-ada.king-9', /email address/],
      ['qwerty-Lemon-5', /common password/],
    ] as const) {
      const weak = await register(browser, 'ada.king@example.com', { password });
      expect(weak.status).toBe(422);
      expect(weak.body.errors.password.join()).toMatch(reason);
      expect(JSON.stringify(weak.body)).not.toContain(password);
    }
    const rows = await server.testDatabase.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.email, 'ada.king@example.com'));
    expect(rows).toEqual([]);
  });

  it('signs in with the right password, and answers every failure alike', async () => {
    const browser = newBrowser();
    const ok = await browser.post('/api/session', {
      email: 'SECOND@example.com',
      password: PASSWORD,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data.user.email).toBe('second@example.com');
    expect((await browser.get('/api/me')).status).toBe(200);

    const wrong = await newBrowser().post('/api/session', {
      email: 'second@example.com',
      password: 'violet-Kettle-38-drumz',
    });
    const unknown = await newBrowser().post('/api/session', {
      email: 'nobody@example.com',
      password: PASSWORD,
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({ error: 'Invalid email or password' });
    expect(wrong.setCookies).toEqual([]);
  });

  it('locks an account after repeated failures, with the same answer, until the lock expires', async () => {
    const owner = newBrowser();
    await register(owner, 'target@example.com');
    const attacker = newBrowser();
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      const attempt = await attacker.post('/api/session', {
        email: 'target@example.com',
        password: `guess-Number-${i}x`,
      });
      expect(attempt.status).toBe(401);
    }
    // Now even the right password gets the same 401.
    const locked = await newBrowser().post('/api/session', {
      email: 'target@example.com',
      password: PASSWORD,
    });
    expect(locked.status).toBe(401);
    expect(locked.body).toEqual({ error: 'Invalid email or password' });

    const db = server.testDatabase.db;
    const events = await db
      .select({ event: schema.auditEvents.event })
      .from(schema.auditEvents)
      .innerJoin(schema.users, sql`${schema.users.id} = ${schema.auditEvents.itemId}`)
      .where(eq(schema.users.email, 'target@example.com'));
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['login', 'login_failed', 'login_locked']),
    );

    // The lock ends by itself; then the right password works and clears the count.
    await db
      .update(schema.users)
      .set({ lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(schema.users.email, 'target@example.com'));
    const after = await newBrowser().post('/api/session', {
      email: 'target@example.com',
      password: PASSWORD,
    });
    expect(after.status).toBe(200);
  });

  it('limits sign-in attempts per address and email', async () => {
    const browser = newBrowser();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const attempt = await browser.post('/api/session', {
        email: 'nobody-limited@example.com',
        password: `guess-Number-${i}x`,
      });
      statuses.push(attempt.status);
    }
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // Another email from the same address is not affected.
    const other = await browser.post('/api/session', {
      email: 'nobody-else@example.com',
      password: 'guess-Number-x',
    });
    expect(other.status).toBe(401);
  });

  it('signs out one session, or every session at once', async () => {
    const laptop = newBrowser();
    const phone = newBrowser();
    const tablet = newBrowser();
    for (const device of [laptop, phone, tablet]) {
      expect(
        (await device.post('/api/session', { email: 'second@example.com', password: PASSWORD }))
          .status,
      ).toBe(200);
    }
    const stolenCookie = new Map(laptop.cookies);
    expect((await laptop.delete('/api/session')).status).toBe(204);
    expect(laptop.cookies.size).toBe(0);
    expect((await laptop.get('/api/me')).status).toBe(401);
    // The cookie of the ended session no longer works, even if someone kept a copy.
    const replay = newBrowser();
    for (const [name, value] of stolenCookie) replay.cookies.set(name, value);
    expect((await replay.get('/api/me')).status).toBe(401);
    expect((await phone.get('/api/me')).status).toBe(200);

    expect((await phone.delete('/api/sessions')).status).toBe(204);
    expect((await phone.get('/api/me')).status).toBe(401);
    expect((await tablet.get('/api/me')).status).toBe(401);
    expect((await tablet.delete('/api/sessions')).status).toBe(401);
  });

  it('ends sessions after 60 days, and tidies expired tokens away at the next sign-in', async () => {
    const browser = newBrowser();
    await browser.post('/api/session', { email: 'second@example.com', password: PASSWORD });
    const db = server.testDatabase.db;
    const [user] = await db
      .select()
      .from(schema.users)
      .where(eq(schema.users.email, 'second@example.com'));
    await db
      .update(schema.userTokens)
      .set({ insertedAt: sql`now() - interval '61 days'` })
      .where(eq(schema.userTokens.userId, user!.id));
    expect((await browser.get('/api/me')).status).toBe(401);

    await newBrowser().post('/api/session', {
      email: 'second@example.com',
      password: PASSWORD,
    });
    const left = await db
      .select({ insertedAt: schema.userTokens.insertedAt })
      .from(schema.userTokens)
      .where(eq(schema.userTokens.userId, user!.id));
    expect(left).toHaveLength(1);
  });

  it('ignores a forged session cookie', async () => {
    const browser = newBrowser();
    browser.cookies.set('lightning_session', 'made-up.signature');
    expect((await browser.get('/api/me')).status).toBe(401);
  });

  it('updates the profile and changes the password, ending the other sessions', async () => {
    const browser = newBrowser();
    const other = newBrowser();
    await register(browser, 'changer@example.com');
    await other.post('/api/session', { email: 'changer@example.com', password: PASSWORD });

    const patched = await browser.patch('/api/me', { first_name: 'Augusta', last_name: 'King' });
    expect(patched.body.data).toMatchObject({ first_name: 'Augusta', last_name: 'King' });
    expect((await browser.patch('/api/me', { first_name: ' ' })).body.errors).toEqual({
      first_name: ["can't be blank"],
    });

    const wrongCurrent = await browser.post('/api/me/password', {
      current_password: 'not-it-Really-1',
      password: 'amber-Walrus-71-tides',
    });
    expect(wrongCurrent.status).toBe(422);
    expect(wrongCurrent.body.errors).toEqual({ current_password: ['is not valid'] });
    const weak = await browser.post('/api/me/password', {
      current_password: PASSWORD,
      password: 'changer-12345',
    });
    expect(weak.status).toBe(422);
    expect(weak.body.errors.password.length).toBeGreaterThan(0);

    const changed = await browser.post('/api/me/password', {
      current_password: PASSWORD,
      password: 'amber-Walrus-71-tides',
    });
    expect(changed.status).toBe(204);
    expect((await browser.get('/api/me')).status).toBe(200);
    expect((await other.get('/api/me')).status).toBe(401);
    const old = await newBrowser().post('/api/session', {
      email: 'changer@example.com',
      password: PASSWORD,
    });
    expect(old.status).toBe(401);
    const fresh = await newBrowser().post('/api/session', {
      email: 'changer@example.com',
      password: 'amber-Walrus-71-tides',
    });
    expect(fresh.status).toBe(200);
  });

  it('signs in a user migrated from Lightning (bcrypt hash) and moves them to argon2id', async () => {
    const db = server.testDatabase.db;
    await db.insert(schema.users).values({
      firstName: 'Legacy',
      email: 'legacy@example.com',
      hashedPassword: await bcrypt.hash(PASSWORD, 4),
      confirmedAt: new Date(),
    });
    const first = await newBrowser().post('/api/session', {
      email: 'legacy@example.com',
      password: PASSWORD,
    });
    expect(first.status).toBe(200);
    const [row] = await db
      .select({ hashedPassword: schema.users.hashedPassword })
      .from(schema.users)
      .where(eq(schema.users.email, 'legacy@example.com'));
    expect(row!.hashedPassword).toMatch(/^\$argon2id\$/);
    const again = await newBrowser().post('/api/session', {
      email: 'legacy@example.com',
      password: PASSWORD,
    });
    expect(again.status).toBe(200);
  });

  it('refuses a disabled user with the same message', async () => {
    const browser = newBrowser();
    await register(browser, 'disabled@example.com');
    await server.testDatabase.db
      .update(schema.users)
      .set({ disabled: true })
      .where(eq(schema.users.email, 'disabled@example.com'));
    expect((await browser.get('/api/me')).status).toBe(401);
    const attempt = await browser.post('/api/session', {
      email: 'disabled@example.com',
      password: PASSWORD,
    });
    expect(attempt.status).toBe(401);
    expect(attempt.body).toEqual({ error: 'Invalid email or password' });
  });

  it('leaves no plaintext password or session token in the account tables', async () => {
    const sessionTokens = browsers.flatMap((browser) => browser.seenTokens);
    expect(sessionTokens.length).toBeGreaterThan(10);
    const { hits } = await findPlaintextSecrets(
      server.testDatabase.db,
      ['users', 'user_tokens', 'user_totps', 'user_backup_codes', 'audit_events'],
      [PASSWORD, 'amber-Walrus-71-tides', ...sessionTokens],
    );
    expect(hits).toEqual([]);
  });
});

describe('with ALLOW_SIGNUP=false', () => {
  let server: TestServer;
  const newBrowser = () => track(new Browser(server.baseUrl));
  beforeAll(async () => {
    server = await startTestServer({ ALLOW_SIGNUP: 'false' });
  });
  afterAll(() => server?.close());

  it('still lets the first user in, as superuser, then refuses sign-up', async () => {
    const browser = newBrowser();
    const instance = await browser.get('/api/instance');
    expect(instance.body.data).toMatchObject({ allow_signup: false, has_users: false });

    const first = await browser.post('/api/users/register', {
      first_name: 'Root',
      email: 'root@example.com',
      password: PASSWORD,
    });
    expect(first.status).toBe(201);
    expect(first.body.data.user.role).toBe('superuser');

    const second = await newBrowser().post('/api/users/register', {
      first_name: 'Eve',
      email: 'eve@example.com',
      password: PASSWORD,
    });
    expect(second.status).toBe(403);
    expect(second.body.error).toMatch(/Sign-up is disabled/);
    const users = await server.testDatabase.db.select().from(schema.users);
    expect(users.map((u) => u.email)).toEqual(['root@example.com']);
  });
});
