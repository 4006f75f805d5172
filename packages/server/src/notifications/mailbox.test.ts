// The superuser mailbox over HTTP: what the local provider kept, newest first, one by one.
import { createLogger } from '../logger.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createMailer } from './mailer.js';

let server: TestServer;
let superuser: TestUser;
let someone: TestUser;

beforeAll(async () => {
  server = await startTestServer({ EMAIL_ADMIN: 'admin@lightning.test', EMAIL_SENDER_NAME: 'Ops' });
  const db = server.testDatabase.db;
  superuser = await createTestUser(db, { superuser: true });
  someone = await createTestUser(db);
  const mailer = createMailer({ config: server.config, db, logger: createLogger('silent') });
  for (const n of [1, 2, 3]) {
    await mailer.send({ to: `to${n}@example.com`, subject: `Subject ${n}`, text: `Body ${n}` });
  }
  await mailer.send({
    to: 'html@example.com',
    subject: 'Rich',
    text: 'plain',
    html: '<p>rich</p>',
  });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, headers: Record<string, string> = superuser.headers) =>
  fetch(`${server.baseUrl}${path}`, { headers });

describe('GET /api/admin/mailbox', () => {
  it('lists kept mail newest first, in keyset pages', async () => {
    const first = await get('/api/admin/mailbox?page_size=3');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as {
      data: { id: string; to: string; subject: string; inserted_at: string }[];
      meta: { next_cursor: string | null };
    };
    expect(page1.data.map((m) => m.subject)).toEqual(['Rich', 'Subject 3', 'Subject 2']);
    expect(Object.keys(page1.data[0] ?? {}).sort()).toEqual(['id', 'inserted_at', 'subject', 'to']);
    expect(page1.meta.next_cursor).toEqual(expect.any(String));
    const second = await get(
      `/api/admin/mailbox?page_size=3&cursor=${page1.meta.next_cursor ?? ''}`,
    );
    const page2 = (await second.json()) as {
      data: { subject: string }[];
      meta: { next_cursor: string | null };
    };
    expect(page2.data.map((m) => m.subject)).toEqual(['Subject 1']);
    expect(page2.meta.next_cursor).toBeNull();
  });

  it('shows one message with sender, text and html', async () => {
    const list = (await (await get('/api/admin/mailbox')).json()) as { data: { id: string }[] };
    const response = await get(`/api/admin/mailbox/${list.data[0]?.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: {
        id: list.data[0]?.id,
        from: 'Ops <admin@lightning.test>',
        to: 'html@example.com',
        subject: 'Rich',
        text: 'plain',
        html: '<p>rich</p>',
        inserted_at: expect.any(String),
      },
    });
  });

  it('is for superusers only', async () => {
    expect((await get('/api/admin/mailbox', {})).status).toBe(401);
    const forbidden = await get('/api/admin/mailbox', someone.headers);
    expect(forbidden.status).toBe(403);
    const list = (await (await get('/api/admin/mailbox')).json()) as { data: { id: string }[] };
    expect((await get(`/api/admin/mailbox/${list.data[0]?.id}`, someone.headers)).status).toBe(403);
  });

  it('answers 404 for an unknown or malformed id and 400 for a bad page size', async () => {
    expect((await get('/api/admin/mailbox/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/api/admin/mailbox/not-a-uuid')).status).toBe(404);
    const bad = await get('/api/admin/mailbox?page_size=0');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: { page_size: [expect.any(String)] } });
  });
});
