import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asc } from 'drizzle-orm';
import { type ParsedMail, simpleParser } from 'mailparser';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { type Config, loadConfig } from '../config/index.js';
import { schema } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import {
  createMailer,
  InvalidMailMessageError,
  MailDeliveryError,
  smtpTransportOptions,
} from './mailer.js';

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

describe('smtp provider', () => {
  const USER = 'relay-user';
  const PASSWORD = 'relay-password-5b1f';
  let server: SMTPServer;
  let port: number;
  const logins = new Map<string, { username?: string; password?: string }>();
  const received: { auth: { username?: string; password?: string }; mail: ParsedMail }[] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      // Plain text on loopback: STARTTLS is not offered, so SMTP_TLS=false is what works here.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, session, callback) {
        logins.set(session.id, { username: auth.username, password: auth.password ?? undefined });
        if (auth.username === USER && auth.password === PASSWORD) {
          callback(null, { user: auth.username });
        } else {
          callback(new Error('Invalid username or password'));
        }
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push({
              auth: logins.get(session.id) ?? {},
              mail,
            });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  const smtpEnv = (overrides: Record<string, string> = {}) => ({
    MAIL_PROVIDER: 'smtp',
    SMTP_USERNAME: USER,
    SMTP_PASSWORD: PASSWORD,
    SMTP_RELAY: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_TLS: 'false',
    EMAIL_ADMIN: 'noreply@lightning.test',
    EMAIL_SENDER_NAME: 'Lightning Test',
    ...overrides,
  });

  it('delivers through a real SMTP server, authenticated, from EMAIL_ADMIN', async () => {
    const mailer = createMailer({ config: configWith(smtpEnv()), db: database.db, logger });
    await mailer.send({
      to: 'ada@example.com',
      subject: 'Confirm your account',
      text: 'Visit the link',
      html: '<p>Visit the link</p>',
    });
    expect(received).toHaveLength(1);
    const { auth, mail } = received[0] ?? expect.unreachable();
    expect(auth).toEqual({ username: USER, password: PASSWORD });
    expect(mail.from?.value).toEqual([
      { name: 'Lightning Test', address: 'noreply@lightning.test' },
    ]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([
      { name: '', address: 'ada@example.com' },
    ]);
    expect(mail.subject).toBe('Confirm your account');
    expect(mail.text?.trim()).toBe('Visit the link');
    expect(mail.html).toContain('<p>Visit the link</p>');
  });

  it('a refused login is a MailDeliveryError naming no credential, logged without it', async () => {
    const lines: string[] = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const mailer = createMailer({
      config: configWith(smtpEnv({ SMTP_PASSWORD: 'wrong-secret-93a7' })),
      db: database.db,
      logger: captured,
    });
    const error = await mailer
      .send({ to: 'ada@example.com', subject: 'x', text: 'y' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).provider).toBe('smtp');
    expect((error as Error).message).toMatch(/EAUTH|535/);
    const everything = `${(error as Error).message}\n${lines.join('\n')}`;
    expect(everything).toContain('mail delivery failed');
    expect(everything).not.toContain('wrong-secret-93a7');
    expect(everything).not.toContain(Buffer.from('wrong-secret-93a7').toString('base64'));
  });

  it('SMTP_TLS=true refuses to send in clear text when the relay offers no STARTTLS', async () => {
    const before = received.length;
    const mailer = createMailer({
      config: configWith(smtpEnv({ SMTP_TLS: 'true' })),
      db: database.db,
      logger,
    });
    await expect(
      mailer.send({ to: 'ada@example.com', subject: 'x', text: 'y' }),
    ).rejects.toBeInstanceOf(MailDeliveryError);
    expect(received.length).toBe(before);
  });

  it('maps SMTP_TLS and SMTP_PORT onto the transport as documented', () => {
    const options = (env: Record<string, string>) =>
      smtpTransportOptions(configWith(smtpEnv(env)).mail);
    expect(options({ SMTP_TLS: 'true', SMTP_PORT: '587' })).toMatchObject({
      secure: false,
      requireTLS: true,
      ignoreTLS: false,
    });
    expect(options({ SMTP_TLS: 'if_available', SMTP_PORT: '587' })).toMatchObject({
      secure: false,
      requireTLS: false,
      ignoreTLS: false,
    });
    expect(options({ SMTP_TLS: 'false', SMTP_PORT: '25' })).toMatchObject({
      secure: false,
      requireTLS: false,
      ignoreTLS: true,
    });
    expect(options({ SMTP_TLS: 'true', SMTP_PORT: '465' })).toMatchObject({
      secure: true,
      requireTLS: false,
    });
    expect(options({}).auth).toEqual({ user: USER, pass: PASSWORD });
  });
});

describe('mailgun provider', () => {
  const API_KEY = 'key-0123456789abcdef';
  let api: Server;
  let baseUrl: string;
  const requests: {
    method?: string;
    url?: string;
    authorization?: string;
    form: URLSearchParams;
  }[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: { id: '<1@mg>' } };

  beforeAll(async () => {
    api = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push({
          method: request.method,
          url: request.url,
          authorization: request.headers.authorization,
          form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        });
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => api?.close(() => resolve()));
  });

  const mailgunConfig = () =>
    configWith({
      MAIL_PROVIDER: 'mailgun',
      MAILGUN_API_KEY: API_KEY,
      MAILGUN_DOMAIN: 'mg.lightning.test',
      EMAIL_ADMIN: 'noreply@lightning.test',
      EMAIL_SENDER_NAME: 'Lightning Test',
    });

  it('posts the message form to /v3/<domain>/messages with Basic api:<key>', async () => {
    answer = { status: 200, body: { id: '<1@mg>', message: 'Queued. Thank you.' } };
    const mailer = createMailer({
      config: mailgunConfig(),
      db: database.db,
      logger,
      mailgunBaseUrl: baseUrl,
    });
    await mailer.send({ to: 'ada@example.com', subject: 'Hi', text: 'plain', html: '<b>rich</b>' });
    expect(requests).toHaveLength(1);
    const request = requests[0] ?? expect.unreachable();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v3/mg.lightning.test/messages');
    expect(request.authorization).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`);
    expect(Object.fromEntries(request.form)).toEqual({
      from: 'Lightning Test <noreply@lightning.test>',
      to: 'ada@example.com',
      subject: 'Hi',
      text: 'plain',
      html: '<b>rich</b>',
    });
  });

  it('a refusal is a MailDeliveryError with Mailgun’s words and no key', async () => {
    answer = { status: 401, body: { message: 'Invalid private key' } };
    const lines: string[] = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const mailer = createMailer({
      config: mailgunConfig(),
      db: database.db,
      logger: captured,
      mailgunBaseUrl: baseUrl,
    });
    const error = await mailer
      .send({ to: 'ada@example.com', subject: 'Hi', text: 'plain' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as Error).message).toBe(
      'Mailgun refused the message (HTTP 401): Invalid private key',
    );
    expect(`${(error as Error).message}${lines.join('')}`).not.toContain(API_KEY);
    expect(lines.join('')).toContain('mail delivery failed');
  });

  it('an unreachable API is a MailDeliveryError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const mailer = createMailer({
      config: mailgunConfig(),
      db: database.db,
      logger,
      mailgunBaseUrl: `http://127.0.0.1:${port}`,
    });
    await expect(mailer.send({ to: 'ada@example.com', subject: 'Hi', text: 'x' })).rejects.toThrow(
      'Mailgun could not be reached: ECONNREFUSED',
    );
  });
});
