// Multi-factor authentication: TOTP (RFC 6238, 30-second codes, as authenticator apps expect) and
// ten single-use backup codes. The TOTP secret and the backup codes are stored encrypted through
// the vault (user_totps.secret, user_backup_codes.code), never in plaintext.
//
// Enrolment is two steps so a user cannot lock themselves out with a mistyped secret: `setup`
// stores a fresh secret (MFA still off) and returns it with a QR code; `enable` turns MFA on only
// once a code generated from that secret verifies.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { ConflictError, ValidationError } from '../http/errors.js';
import type { Vault } from '../vault/index.js';

export const TOTP_ISSUER = 'Lightning';
export const BACKUP_CODE_COUNT = 10;
// No 0/o, 1/l/i: codes are read off paper and typed by hand.
const BACKUP_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface MfaSetup {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

/** Starts (or restarts) enrolment: a new secret, stored encrypted, not yet in force. */
export async function startMfaSetup(
  db: Database,
  vault: Vault,
  user: { id: string; email: string; mfaEnabled: boolean },
): Promise<MfaSetup> {
  if (user.mfaEnabled) {
    throw new ConflictError('MFA is already enabled; disable it before setting it up again');
  }
  const secret = generateSecret();
  const encrypted = vault.encryptString(secret);
  await db
    .insert(schema.userTotps)
    .values({ userId: user.id, secret: encrypted })
    .onConflictDoUpdate({
      target: schema.userTotps.userId,
      set: { secret: encrypted, lastUsedStep: null, updatedAt: sql`now()` },
    });
  const uri = generateURI({ issuer: TOTP_ISSUER, label: user.email, secret });
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauth_uri: uri, qr_svg: qrSvg };
}

async function storedSecret(db: Database, vault: Vault, userId: string): Promise<string | null> {
  const [row] = await db
    .select({ secret: schema.userTotps.secret })
    .from(schema.userTotps)
    .where(eq(schema.userTotps.userId, userId))
    .limit(1);
  return row ? vault.decryptString(row.secret) : null;
}

/**
 * True when `code` is the current TOTP code of the user's secret (one 30 s step of clock drift
 * allowed) and no code of the same or a later step was accepted before: a code seen over someone's
 * shoulder cannot be replayed within its validity window.
 */
export async function verifyTotpCode(
  db: Database,
  vault: Vault,
  userId: string,
  code: string,
): Promise<boolean> {
  const normalized = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(normalized)) return false;
  const secret = await storedSecret(db, vault, userId);
  if (!secret) return false;
  const result = await verify({ secret, token: normalized, epochTolerance: 30 });
  if (!result.valid || !('timeStep' in result)) return false;
  const step = result.timeStep;
  // The check and the record are one statement, so two requests with one code cannot both pass.
  const recorded = await db
    .update(schema.userTotps)
    .set({ lastUsedStep: step })
    .where(
      and(
        eq(schema.userTotps.userId, userId),
        sql`(${schema.userTotps.lastUsedStep} IS NULL OR ${schema.userTotps.lastUsedStep} < ${step})`,
      ),
    )
    .returning({ id: schema.userTotps.id });
  return recorded.length === 1;
}

function newBackupCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += BACKUP_CODE_ALPHABET[randomInt(BACKUP_CODE_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

const normalizeBackupCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

/** Replaces the user's backup codes with ten new ones, returned in plaintext this once. */
async function replaceBackupCodes(db: Database, vault: Vault, userId: string): Promise<string[]> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, newBackupCode);
  await db.delete(schema.userBackupCodes).where(eq(schema.userBackupCodes.userId, userId));
  await db
    .insert(schema.userBackupCodes)
    .values(
      codes.map((code) => ({ userId, code: vault.encryptString(normalizeBackupCode(code)) })),
    );
  return codes;
}

const invalidCode = () =>
  new ValidationError('Invalid code', { code: ['is invalid or has expired'] });

/** Turns MFA on once `code` verifies against the secret from setup; returns the backup codes. */
export async function enableMfa(
  db: Database,
  vault: Vault,
  user: { id: string; mfaEnabled: boolean },
  code: string,
): Promise<string[]> {
  if (user.mfaEnabled) throw new ConflictError('MFA is already enabled');
  if (!(await storedSecret(db, vault, user.id))) {
    throw new ValidationError('Set up MFA first', {
      code: ['set up MFA first (POST /api/me/mfa/setup)'],
    });
  }
  if (!(await verifyTotpCode(db, vault, user.id, code))) throw invalidCode();
  return db.transaction(async (tx) => {
    await tx.update(schema.users).set({ mfaEnabled: true }).where(eq(schema.users.id, user.id));
    return replaceBackupCodes(tx, vault, user.id);
  });
}

/** Turns MFA off (secret and backup codes deleted) when `code` is a current TOTP code. */
export async function disableMfa(
  db: Database,
  vault: Vault,
  user: { id: string; mfaEnabled: boolean },
  code: string,
): Promise<void> {
  if (!user.mfaEnabled) throw new ConflictError('MFA is not enabled');
  if (!(await verifyTotpCode(db, vault, user.id, code))) throw invalidCode();
  await db.transaction(async (tx) => {
    await tx.delete(schema.userTotps).where(eq(schema.userTotps.userId, user.id));
    await tx.delete(schema.userBackupCodes).where(eq(schema.userBackupCodes.userId, user.id));
    await tx.update(schema.users).set({ mfaEnabled: false }).where(eq(schema.users.id, user.id));
  });
}

/** New backup codes (the old ones stop working), when `code` is a current TOTP code. */
export async function regenerateBackupCodes(
  db: Database,
  vault: Vault,
  user: { id: string; mfaEnabled: boolean },
  code: string,
): Promise<string[]> {
  if (!user.mfaEnabled) throw new ConflictError('MFA is not enabled');
  if (!(await verifyTotpCode(db, vault, user.id, code))) throw invalidCode();
  return db.transaction((tx) => replaceBackupCodes(tx, vault, user.id));
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Spends one backup code: true when `code` matches one of the user's unused codes, which is then
 * marked used (a second use of it fails). Every unused code is compared, in constant time, so the
 * time taken does not reveal how much of a code was right or which one matched.
 */
export async function useBackupCode(
  db: Database,
  vault: Vault,
  userId: string,
  code: string,
): Promise<boolean> {
  const wanted = digest(normalizeBackupCode(code));
  const rows = await db
    .select({ id: schema.userBackupCodes.id, code: schema.userBackupCodes.code })
    .from(schema.userBackupCodes)
    .where(and(eq(schema.userBackupCodes.userId, userId), isNull(schema.userBackupCodes.usedAt)));
  let matchId: string | undefined;
  for (const row of rows) {
    const stored = digest(vault.decryptString(row.code));
    if (timingSafeEqual(stored, wanted) && matchId === undefined) matchId = row.id;
  }
  if (!matchId) return false;
  // `used_at IS NULL` in the update: of two simultaneous uses of one code, only one succeeds.
  const spent = await db
    .update(schema.userBackupCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(schema.userBackupCodes.id, matchId), isNull(schema.userBackupCodes.usedAt)))
    .returning({ id: schema.userBackupCodes.id });
  return spent.length === 1;
}
