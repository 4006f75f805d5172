// Checking a password at sign-in, with the lockout against guessing. Every way of failing — unknown
// email, wrong password, locked or disabled account — does the same work (one argon2 verification)
// and gets the same answer, so neither the message nor the timing tells which one it was.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { SESSION_MAX_AGE_SECONDS } from '../http/auth.js';
import { ForbiddenError, UnauthorizedError } from '../http/errors.js';
import type { Vault } from '../vault/index.js';
import {
  CHANGE_EMAIL_MAX_AGE_SECONDS,
  CONFIRM_MAX_AGE_SECONDS,
  RESET_PASSWORD_MAX_AGE_SECONDS,
} from './email-flows.js';
import { emailField, parseBody, passwordField } from './input.js';
import { useBackupCode, verifyTotpCode } from './mfa.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { MFA_PENDING_SECONDS } from './session-cookie.js';
import { hasSsoIdentity } from './sso.js';
import { findUserByEmail, getUser, type UserRow } from './users.js';

/** Consecutive failures (passwords or MFA codes) that lock an account … */
export const LOCKOUT_THRESHOLD = 10;
/** … for this long. A successful sign-in or a password reset clears the count. */
export const LOCKOUT_MINUTES = 15;

export const INVALID_CREDENTIALS = 'Invalid email or password';
export const SSO_ONLY =
  'This account signs in with single sign-on: use "Sign in with single sign-on" instead of a password';

export type PasswordCheck =
  | { ok: true; user: UserRow }
  | { ok: false; user: UserRow | undefined; lockedNow: boolean };

export function isLocked(user: UserRow): boolean {
  return user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > Date.now();
}

/**
 * Checks an email and password. A failure on a known account counts towards its lockout; while
 * locked, even the right password fails.
 */
export async function checkPassword(
  db: Database,
  email: string,
  password: string,
): Promise<PasswordCheck> {
  const user = await findUserByEmail(db, email);
  const matches = await verifyPassword(user?.hashedPassword, password);
  if (!user) return { ok: false, user, lockedNow: false };
  if (isLocked(user) || user.disabled) return { ok: false, user, lockedNow: false };
  if (!matches) {
    const lockedNow = await recordFailure(db, user.id);
    return { ok: false, user, lockedNow };
  }
  if (needsRehash(user.hashedPassword)) {
    // The only moment the plaintext is at hand: move a Lightning bcrypt hash to argon2id.
    await db
      .update(schema.users)
      .set({ hashedPassword: await hashPassword(password) })
      .where(eq(schema.users.id, user.id));
  }
  return { ok: true, user };
}

/**
 * Counts one failed attempt in a single statement (concurrent guesses cannot undercount) and locks
 * the account when the count reaches the threshold. True when this failure locked it.
 */
export async function recordFailure(db: Database, userId: string): Promise<boolean> {
  const [row] = await db
    .update(schema.users)
    .set({
      failedLoginAttempts: sql`CASE WHEN ${schema.users.failedLoginAttempts} + 1 >= ${LOCKOUT_THRESHOLD} THEN 0 ELSE ${schema.users.failedLoginAttempts} + 1 END`,
      lockedUntil: sql`CASE WHEN ${schema.users.failedLoginAttempts} + 1 >= ${LOCKOUT_THRESHOLD} THEN now() + make_interval(mins => ${LOCKOUT_MINUTES}) ELSE ${schema.users.lockedUntil} END`,
    })
    .where(eq(schema.users.id, userId))
    .returning({ failed: schema.users.failedLoginAttempts, lockedUntil: schema.users.lockedUntil });
  return row !== undefined && row.failed === 0 && row.lockedUntil !== null;
}

/** A successful sign-in clears the failure count. */
export async function clearFailures(db: Database, userId: string): Promise<void> {
  await db
    .update(schema.users)
    .set({ failedLoginAttempts: 0, lockedUntil: null })
    .where(eq(schema.users.id, userId));
}

export type SignInOutcome =
  | { kind: 'signed_in'; user: UserRow }
  | { kind: 'mfa_required'; user: UserRow }
  | { kind: 'unconfirmed'; user: UserRow };

const signInInput = z.object({ email: emailField, password: passwordField });

/**
 * The password step of signing in. Any failure is a 401 with the same message; success says
 * whether a second factor is due or the email still awaits confirmation (REQUIRE_EMAIL_VERIFICATION).
 */
export async function signIn(
  db: Database,
  body: unknown,
  options: { requireEmailVerification: boolean; refuseSsoUsers?: boolean },
): Promise<SignInOutcome> {
  const { email, password } = parseBody(signInInput, body);
  const check = await checkPassword(db, email, password);
  if (!check.ok) {
    if (check.user) {
      await recordAuditEvent(db, {
        event: check.lockedNow ? 'login_locked' : 'login_failed',
        itemType: 'user',
        itemId: check.user.id,
        changes: { factor: 'password' },
      });
    }
    throw new UnauthorizedError(INVALID_CREDENTIALS);
  }
  const { user } = check;
  // Told only after the right password, so the answer reveals nothing to someone guessing.
  if (options.refuseSsoUsers && (await hasSsoIdentity(db, user.id))) {
    throw new ForbiddenError(SSO_ONLY);
  }
  if (options.requireEmailVerification && !user.confirmedAt) return { kind: 'unconfirmed', user };
  if (user.mfaEnabled) return { kind: 'mfa_required', user };
  await completeSignIn(db, user.id, 'password');
  return { kind: 'signed_in', user };
}

/** Clears the failure count, tidies the user's expired tokens and records the sign-in. */
export async function completeSignIn(
  db: Database,
  userId: string,
  method: 'password' | 'totp' | 'backup_code' | 'sso',
): Promise<void> {
  await clearFailures(db, userId);
  await deleteExpiredTokens(db, userId);
  await recordAuditEvent(db, {
    event: 'login',
    itemType: 'user',
    itemId: userId,
    actorId: userId,
    changes: { method },
  });
}

export const INVALID_MFA_CODE = 'Invalid code';

const mfaInput = z
  .object({
    code: z.string().trim().min(1, { error: "can't be blank" }).max(64).optional(),
    backup_code: z.string().trim().min(1, { error: "can't be blank" }).max(64).optional(),
  })
  .refine((input) => (input.code === undefined) !== (input.backup_code === undefined), {
    error: 'give either code or backup_code',
    path: ['code'],
  });

/**
 * The second step for MFA users: a current TOTP code or an unused backup code. A wrong code counts
 * towards the same lockout as a wrong password. Returns the method that succeeded.
 */
export async function verifySecondFactor(
  db: Database,
  vault: Vault,
  userId: string,
  body: unknown,
): Promise<'totp' | 'backup_code'> {
  const input = parseBody(mfaInput, body);
  const user = await getUser(db, userId);
  if (!user || user.disabled || isLocked(user) || !user.mfaEnabled) {
    throw new UnauthorizedError(INVALID_MFA_CODE);
  }
  const ok =
    input.code !== undefined
      ? await verifyTotpCode(db, vault, userId, input.code)
      : await useBackupCode(db, vault, userId, input.backup_code!);
  if (!ok) {
    const lockedNow = await recordFailure(db, userId);
    await recordAuditEvent(db, {
      event: lockedNow ? 'login_locked' : 'login_failed',
      itemType: 'user',
      itemId: userId,
      changes: { factor: input.code !== undefined ? 'totp' : 'backup_code' },
    });
    throw new UnauthorizedError(INVALID_MFA_CODE);
  }
  return input.code !== undefined ? 'totp' : 'backup_code';
}

/**
 * Expired tokens no longer work (every lookup checks the age); this removes their rows so they do
 * not pile up. Done per user at sign-in, which is when a user's new tokens are made.
 */
async function deleteExpiredTokens(db: Database, userId: string): Promise<void> {
  const expired = (context: string, seconds: number) =>
    sql`(${schema.userTokens.context} = ${context} AND ${schema.userTokens.insertedAt} < now() - make_interval(secs => ${seconds}))`;
  await db.delete(schema.userTokens).where(
    and(
      eq(schema.userTokens.userId, userId),
      sql`(${expired('session', SESSION_MAX_AGE_SECONDS)} OR ${expired('mfa_pending', MFA_PENDING_SECONDS)}
          OR ${expired('confirm', CONFIRM_MAX_AGE_SECONDS)} OR ${expired('reset_password', RESET_PASSWORD_MAX_AGE_SECONDS)}
          OR (${schema.userTokens.context} LIKE 'change:%' AND ${schema.userTokens.insertedAt} < now() - make_interval(secs => ${CHANGE_EMAIL_MAX_AGE_SECONDS})))`,
    ),
  );
}
