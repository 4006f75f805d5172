// The cookies of signing in: `lightning_session` (a session token, 60 days) and, between the
// password and the second factor, `lightning_mfa` (a `mfa_pending` token, 5 minutes). Both are
// signed with SECRET_KEY_BASE, HTTP-only, SameSite=Lax, and Secure when the public URL is https.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from '../http/auth.js';
import { type FoundToken, findTokenUser, issueToken } from './tokens.js';

export const MFA_COOKIE = 'lightning_mfa';
/** Time allowed between the password and the second factor. */
export const MFA_PENDING_SECONDS = 5 * 60;

const cookieOptions = (config: Config, maxAge: number) => ({
  signed: true,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: config.http.publicUrl.startsWith('https'),
  path: '/',
  maxAge,
});

/** Issues a session token for the user and sets it as the session cookie. */
export async function startSession(
  reply: FastifyReply,
  db: Database,
  config: Config,
  userId: string,
): Promise<void> {
  const { token } = await issueToken(db, userId, 'session');
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(config, SESSION_MAX_AGE_SECONDS));
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(config, 0));
}

/** After a correct password of an MFA user: remember them for five minutes, awaiting the code. */
export async function startMfaChallenge(
  reply: FastifyReply,
  db: Database,
  config: Config,
  userId: string,
): Promise<void> {
  const { token } = await issueToken(db, userId, 'mfa_pending');
  reply.setCookie(MFA_COOKIE, token, cookieOptions(config, MFA_PENDING_SECONDS));
}

/** The user whose password was accepted in the last five minutes, from the signed MFA cookie. */
export async function pendingMfaUser(
  request: FastifyRequest,
  db: Database,
): Promise<FoundToken | null> {
  const cookie = request.cookies[MFA_COOKIE];
  if (!cookie) return null;
  const unsigned = request.unsignCookie(cookie);
  if (!unsigned.valid || !unsigned.value) return null;
  return findTokenUser(db, unsigned.value, 'mfa_pending', MFA_PENDING_SECONDS);
}

export function clearMfaCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(MFA_COOKIE, cookieOptions(config, 0));
}
