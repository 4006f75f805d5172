// The account flows that go through an emailed link: confirming an address, resetting a forgotten
// password and changing the email address. Each link carries a single-use token (stored hashed,
// spent by deleting it) pointing at a page of the web app, which posts the token back:
//
//   confirm         <URL>/users/confirm/<token>          7 days
//   reset_password  <URL>/users/reset_password/<token>   1 day, ends every session
//   change:<email>  <URL>/users/confirm_email/<token>    7 days, sent to the new address
//
// The emails name the product and hold the link; never a password. Answers to "send me a link"
// requests are the same whether or not the address has an account, and come before the mail is
// delivered, so neither their content nor their timing reveals whether it has one.
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { ServiceUnavailableError, ValidationError } from '../http/errors.js';
import type { Mailer } from '../notifications/index.js';
import { emailField, parseBody, passwordField, tokenField } from './input.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { consumeToken, deleteUserTokens, findTokenUser, issueToken } from './tokens.js';
import {
  assertStrongPassword,
  EMAIL_TAKEN,
  findUserByEmail,
  getUser,
  type UserRow,
} from './users.js';

const DAY = 24 * 60 * 60;
export const CONFIRM_MAX_AGE_SECONDS = 7 * DAY;
export const RESET_PASSWORD_MAX_AGE_SECONDS = DAY;
export const CHANGE_EMAIL_MAX_AGE_SECONDS = 7 * DAY;

const PRODUCT = 'Lightning';

export interface EmailFlowDependencies {
  db: Database;
  config: Config;
  mailer: Mailer;
  logger: Logger;
}

const link = (config: Config, path: string, token: string) =>
  `${config.http.publicUrl}/users/${path}/${encodeURIComponent(token)}`;

const greeting = (user: { firstName: string }) => `Hi ${user.firstName},`;

const invalidToken = () =>
  new ValidationError('The link is invalid or it has expired', {
    token: ['is invalid or has expired'],
  });

// ── Confirming an address ──────────────────────────────────────────────────────────────────────

/** Emails a confirmation link for the user's current address. Returns false when sending failed. */
export async function sendConfirmationEmail(
  deps: EmailFlowDependencies,
  user: Pick<UserRow, 'id' | 'email' | 'firstName'>,
): Promise<boolean> {
  const { token } = await issueToken(deps.db, user.id, 'confirm', { sentTo: user.email });
  const url = link(deps.config, 'confirm', token);
  try {
    await deps.mailer.send({
      to: user.email,
      subject: `Confirm your ${PRODUCT} account`,
      text: [
        greeting(user),
        '',
        `Welcome to ${PRODUCT}. Please confirm your email address by opening this link:`,
        '',
        url,
        '',
        'The link works once and expires in 7 days.',
        `If you did not create an account on ${deps.config.http.publicUrl}, ignore this email.`,
      ].join('\n'),
    });
    return true;
  } catch (error) {
    deps.logger.warn({ err: error, userId: user.id }, 'could not send the confirmation email');
    return false;
  }
}

/** Marks the address the link was sent to as confirmed. */
export async function confirmEmail(db: Database, body: unknown): Promise<UserRow> {
  const { token } = parseBody(z.object({ token: tokenField }), body);
  return db.transaction(async (tx) => {
    const spent = await consumeToken(tx, token, 'confirm', CONFIRM_MAX_AGE_SECONDS);
    const user = spent && (await getUser(tx, spent.userId));
    // A link sent to an address the user has since changed confirms nothing.
    if (!user || user.disabled || spent.sentTo !== user.email) throw invalidToken();
    const [confirmed] = await tx
      .update(schema.users)
      .set({ confirmedAt: user.confirmedAt ?? new Date(), updatedAt: sql`now()` })
      .where(eq(schema.users.id, user.id))
      .returning();
    await deleteUserTokens(tx, user.id, ['confirm']);
    return confirmed!;
  });
}

/** Sends a new confirmation link if the address belongs to an unconfirmed account. */
export async function resendConfirmation(
  deps: EmailFlowDependencies,
  body: unknown,
): Promise<void> {
  const { email } = parseBody(z.object({ email: emailField }), body);
  const user = await findUserByEmail(deps.db, email);
  if (!user || user.disabled || user.confirmedAt) return;
  // Not awaited: how long delivery takes must not tell the caller whether the address has an account.
  void sendConfirmationEmail(deps, user);
}

// ── Resetting a forgotten password ─────────────────────────────────────────────────────────────

export async function requestPasswordReset(
  deps: EmailFlowDependencies,
  body: unknown,
): Promise<void> {
  const { email } = parseBody(z.object({ email: emailField }), body);
  const user = await findUserByEmail(deps.db, email);
  if (!user || user.disabled) return;
  const { token } = await issueToken(deps.db, user.id, 'reset_password', { sentTo: user.email });
  // Not awaited: how long delivery takes must not tell the caller whether the address has an account.
  void sendPasswordResetEmail(deps, user, token);
}

async function sendPasswordResetEmail(
  deps: EmailFlowDependencies,
  user: Pick<UserRow, 'id' | 'email' | 'firstName'>,
  token: string,
): Promise<void> {
  try {
    await deps.mailer.send({
      to: user.email,
      subject: `Reset your ${PRODUCT} password`,
      text: [
        greeting(user),
        '',
        `Someone asked to reset the password of your ${PRODUCT} account. To choose a new one, open this link:`,
        '',
        link(deps.config, 'reset_password', token),
        '',
        'The link works once and expires in 24 hours. Setting a new password signs you out everywhere.',
        'If you did not ask for this, ignore this email: your password stays as it is.',
      ].join('\n'),
    });
  } catch (error) {
    deps.logger.warn({ err: error, userId: user.id }, 'could not send the password reset email');
  }
}

const resetInput = z.object({ token: tokenField, password: passwordField });

/**
 * Sets a new password with a reset link. The token is checked, the password judged, and only then
 * is the token spent — a refused weak password leaves the link usable.
 */
export async function resetPassword(db: Database, body: unknown): Promise<UserRow> {
  const { token, password } = parseBody(resetInput, body);
  const found = await findTokenUser(db, token, 'reset_password', RESET_PASSWORD_MAX_AGE_SECONDS);
  if (!found || found.sentTo !== found.user.email) throw invalidToken();
  assertStrongPassword(password, found.user);
  const hashedPassword = await hashPassword(password);
  return db.transaction(async (tx) => {
    const spent = await consumeToken(tx, token, 'reset_password', RESET_PASSWORD_MAX_AGE_SECONDS);
    if (!spent) throw invalidToken();
    const [user] = await tx
      .update(schema.users)
      .set({
        hashedPassword,
        failedLoginAttempts: 0,
        lockedUntil: null,
        // The link reached this address: that confirms it too.
        confirmedAt: sql`coalesce(${schema.users.confirmedAt}, now())`,
        updatedAt: sql`now()`,
      })
      .where(eq(schema.users.id, spent.userId))
      .returning();
    await deleteUserTokens(tx, spent.userId, ['session', 'mfa_pending', 'reset_password']);
    await recordAuditEvent(tx, {
      event: 'password_reset',
      itemType: 'user',
      itemId: spent.userId,
      actorId: spent.userId,
    });
    return user!;
  });
}

// ── Changing the email address ─────────────────────────────────────────────────────────────────

const changeInput = z.object({ email: emailField, current_password: passwordField });

/** Checks the password and the new address, then mails a confirmation link to the new address. */
export async function requestEmailChange(
  deps: EmailFlowDependencies,
  user: UserRow,
  body: unknown,
): Promise<void> {
  const { email, current_password } = parseBody(changeInput, body);
  if (!(await verifyPassword(user.hashedPassword, current_password))) {
    throw new ValidationError('Current password is not valid', {
      current_password: ['is not valid'],
    });
  }
  if (email === user.email.toLowerCase()) {
    throw new ValidationError('Email did not change', { email: ['did not change'] });
  }
  if (await findUserByEmail(deps.db, email)) {
    throw new ValidationError('Email has already been taken', { email: [EMAIL_TAKEN] });
  }
  const { token } = await issueToken(deps.db, user.id, `change:${email}`, { sentTo: email });
  try {
    await deps.mailer.send({
      to: email,
      subject: `Confirm your new ${PRODUCT} email address`,
      text: [
        greeting(user),
        '',
        `To use this address for your ${PRODUCT} account, open this link:`,
        '',
        link(deps.config, 'confirm_email', token),
        '',
        'The link works once and expires in 7 days. Until then, your account keeps its current address.',
      ].join('\n'),
    });
  } catch {
    await deps.db
      .delete(schema.userTokens)
      .where(
        and(
          eq(schema.userTokens.userId, user.id),
          eq(schema.userTokens.context, `change:${email}`),
        ),
      );
    throw new ServiceUnavailableError('Could not send the confirmation email; try again later');
  }
}

/** Moves the account to the address the link was sent to. */
export async function confirmEmailChange(db: Database, body: unknown): Promise<UserRow> {
  const { token } = parseBody(z.object({ token: tokenField }), body);
  return db.transaction(async (tx) => {
    const spent = await consumeToken(tx, token, 'change:*', CHANGE_EMAIL_MAX_AGE_SECONDS);
    const user = spent && (await getUser(tx, spent.userId));
    if (!spent || !user || user.disabled) throw invalidToken();
    const email = spent.context.slice('change:'.length);
    const holder = await findUserByEmail(tx, email);
    if (holder && holder.id !== user.id) {
      throw new ValidationError('Email has already been taken', { email: [EMAIL_TAKEN] });
    }
    const [changed] = await tx
      .update(schema.users)
      .set({ email, confirmedAt: new Date(), updatedAt: sql`now()` })
      .where(eq(schema.users.id, user.id))
      .returning();
    // Other pending changes and confirmations refer to addresses this account no longer uses.
    await tx
      .delete(schema.userTokens)
      .where(
        and(
          eq(schema.userTokens.userId, user.id),
          sql`(${schema.userTokens.context} LIKE 'change:%' OR ${schema.userTokens.context} IN ('confirm', 'reset_password'))`,
        ),
      );
    await recordAuditEvent(tx, {
      event: 'email_changed',
      itemType: 'user',
      itemId: user.id,
      actorId: user.id,
      changes: { before: { email: user.email }, after: { email } },
    });
    return changed!;
  });
}
