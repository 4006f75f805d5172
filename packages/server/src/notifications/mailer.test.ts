import { asc } from 'drizzle-orm';
import { type Config, loadConfig } from '../config/index.js';
import { schema } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { createMailer, InvalidMailMessageError } from './mailer.js';

const logger = createLogger('silent');
const configWith = (env: Record<string, string>): Config => loadConfig(env).config;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('local provider', () => {
  it('keeps each message in the database with the configured sender', async () => {
    const config = configWith({ EMAIL_ADMIN: 'admin@lightning.test', EMAIL_SENDER_NAME: 'OpenFn' });
    const mailer = createMailer({ config, db: database.db, logger });
    expect(mailer.provider).toBe('local');
    await mailer.send({ to: 'ada@example.com', subject: 'Hello', text: 'plain body' });
    await mailer.send({
      to: 'bob@example.com',
      subject: 'Second',
      text: 'text part',
      html: '<p>html part</p>',
    });
    const rows = await database.db
      .select()
      .from(schema.mailMessages)
      .orderBy(asc(schema.mailMessages.insertedAt));
    expect(rows).toMatchObject([
      {
        sender: 'OpenFn <admin@lightning.test>',
        recipient: 'ada@example.com',
        subject: 'Hello',
        text: 'plain body',
        html: null,
      },
      { recipient: 'bob@example.com', text: 'text part', html: '<p>html part</p>' },
    ]);
  });

  it('refuses a recipient or subject that would inject headers, storing nothing', async () => {
    const mailer = createMailer({ config: configWith({}), db: database.db, logger });
    const before = await database.db.$count(schema.mailMessages);
    await expect(
      mailer.send({ to: 'a@example.com\r\nBcc: b@example.com', subject: 'x', text: 'y' }),
    ).rejects.toBeInstanceOf(InvalidMailMessageError);
    await expect(
      mailer.send({ to: 'a@example.com', subject: 'x\nBcc: b@example.com', text: 'y' }),
    ).rejects.toMatchObject({ field: 'subject' });
    expect(await database.db.$count(schema.mailMessages)).toBe(before);
  });
});
