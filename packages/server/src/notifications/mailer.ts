// The mailer: one `send` for every email the server writes (account mail, failure alerts), over the
// provider MAIL_PROVIDER names. `local` keeps each message in `mail_messages` (superusers read them
// at /api/admin/mailbox), `smtp` hands it to an SMTP relay with nodemailer, `mailgun` posts it to
// Mailgun's HTTP API. The sender is always EMAIL_ADMIN with the display name EMAIL_SENDER_NAME.
import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { type Database, schema } from '../db/index.js';
import { timeOrderedId } from '../db/time-ordered-id.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  /** Which provider delivers (MAIL_PROVIDER). */
  readonly provider: Config['mail']['provider'];
  /** Resolves once the provider accepted the message; rejects with `MailDeliveryError`. */
  send(message: MailMessage): Promise<void>;
}

/**
 * A provider refused or could not be reached. The message says what happened in words safe to
 * log or show: never a password, API key or the provider's raw request.
 */
export class MailDeliveryError extends Error {
  constructor(
    readonly provider: Config['mail']['provider'],
    message: string,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

/** A message the mailer refuses before any provider sees it (e.g. a header-injection attempt). */
export class InvalidMailMessageError extends Error {
  constructor(
    readonly field: keyof MailMessage,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidMailMessageError';
  }
}

export interface MailerDependencies {
  config: Config;
  db: Database;
  logger: Logger;
  /** Mailgun's API base, e.g. `https://api.mailgun.net` (the default); tests point it at a local server. */
  mailgunBaseUrl?: string;
}

export const MAILGUN_DEFAULT_BASE_URL = 'https://api.mailgun.net';
const SEND_TIMEOUT_MS = 30_000;

export function createMailer(deps: MailerDependencies): Mailer {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'mailer', provider: config.mail.provider });
  const deliver = pickProvider(deps);
  return {
    provider: config.mail.provider,
    async send(message) {
      checkMessage(message);
      try {
        await deliver(message);
      } catch (error) {
        const failure =
          error instanceof MailDeliveryError
            ? error
            : new MailDeliveryError(config.mail.provider, describeFailure(error, config));
        logger.error({ to: message.to, reason: failure.message }, 'mail delivery failed');
        throw failure;
      }
      logger.info({ to: message.to }, 'mail sent');
    },
  };
}

/** `Lightning <lightning@example.com>`: the display name quoted when it needs to be. */
export function formatSender(mail: Config['mail']): string {
  const name = mail.senderName;
  const quoted = /^[\w .-]*$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
  return `${quoted} <${mail.from}>`;
}

function checkMessage(message: MailMessage): void {
  if (!/^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(message.to)) {
    throw new InvalidMailMessageError('to', 'to must be one email address');
  }
  if (/[\r\n]/.test(message.subject)) {
    throw new InvalidMailMessageError('subject', 'subject must be one line');
  }
}

type Deliver = (message: MailMessage) => Promise<void>;

function pickProvider(deps: MailerDependencies): Deliver {
  switch (deps.config.mail.provider) {
    case 'local':
      return localProvider(deps);
    case 'smtp':
      return smtpProvider(deps);
    case 'mailgun':
      return mailgunProvider(deps);
  }
}

function localProvider({ config, db }: MailerDependencies): Deliver {
  return async (message) => {
    await db.insert(schema.mailMessages).values({
      // Orders mail kept within one millisecond (PGlite's clock resolution) in sending order.
      id: timeOrderedId(),
      sender: formatSender(config.mail),
      recipient: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
    });
  };
}

/**
 * SMTP_TLS as in OpenFn Lightning (gen_smtp's `tls` option): `true` requires STARTTLS, `if_available`
 * upgrades when the relay offers it, `false` never upgrades. Port 465 is implicit TLS (the
 * connection starts encrypted), the only way that port works, unless SMTP_TLS=false.
 */
export function smtpTransportOptions(mail: Config['mail']): SMTPTransport.Options {
  const { smtp } = mail;
  const implicit = smtp.port === 465 && smtp.tls !== 'false';
  return {
    host: smtp.relay,
    port: smtp.port,
    secure: implicit,
    requireTLS: !implicit && smtp.tls === 'true',
    ignoreTLS: smtp.tls === 'false',
    auth: smtp.username ? { user: smtp.username, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  };
}

function smtpProvider({ config }: MailerDependencies): Deliver {
  const transport = createTransport(smtpTransportOptions(config.mail));
  return async (message) => {
    await transport.sendMail({
      from: { name: config.mail.senderName, address: config.mail.from },
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
    });
  };
}

function mailgunProvider({ config, mailgunBaseUrl }: MailerDependencies): Deliver {
  const { apiKey, domain } = config.mail.mailgun;
  const base = (mailgunBaseUrl ?? MAILGUN_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const url = `${base}/v3/${encodeURIComponent(domain ?? '')}/messages`;
  const authorization = `Basic ${Buffer.from(`api:${apiKey ?? ''}`).toString('base64')}`;
  return async (message) => {
    const form = new URLSearchParams({
      from: formatSender(config.mail),
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
    if (message.html !== undefined) form.set('html', message.html);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
    } catch (error) {
      throw new MailDeliveryError('mailgun', `Mailgun could not be reached: ${causeOf(error)}`);
    }
    if (!response.ok) {
      // Mailgun answers `{"message": "..."}`; its words are safe, our request is not echoed.
      const detail = await response
        .json()
        .then((body: unknown) => {
          const said = (body as { message?: unknown } | null)?.message;
          return typeof said === 'string' ? `: ${said}` : '';
        })
        .catch(() => '');
      throw new MailDeliveryError(
        'mailgun',
        `Mailgun refused the message (HTTP ${response.status})${detail.slice(0, 300)}`,
      );
    }
    await response.body?.cancel().catch(() => {});
  };
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return error instanceof Error ? error.name : 'unknown error';
}

/** What nodemailer (or anything else) threw, without a credential in it. */
function describeFailure(error: unknown, config: Config): string {
  const { code, responseCode, response } = error as {
    code?: string;
    responseCode?: number;
    response?: string;
  };
  const parts = [code, responseCode ? String(responseCode) : undefined].filter(Boolean);
  let detail =
    typeof response === 'string' ? response : error instanceof Error ? error.message : '';
  for (const secret of [
    config.mail.smtp.password,
    config.mail.smtp.username,
    config.mail.mailgun.apiKey,
  ]) {
    if (secret) detail = detail.split(secret).join('***');
  }
  return `${parts.length ? `${parts.join(' ')}: ` : ''}${detail.slice(0, 300) || 'delivery failed'}`;
}
