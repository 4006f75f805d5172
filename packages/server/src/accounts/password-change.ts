// Changing one's password while signed in: the current password must be given, the new one must
// pass the strength rules, and every other session ends (the one making the change stays).
import { and, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { ValidationError } from '../http/errors.js';
import { parseBody, passwordField } from './input.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { assertStrongPassword, type UserRow } from './users.js';

const changePasswordInput = z.object({ current_password: passwordField, password: passwordField });

export async function changePassword(
  db: Database,
  user: UserRow,
  body: unknown,
  /** The session token row of the caller, kept; null when calling with an API token. */
  currentSessionId: string | null,
): Promise<void> {
  const { current_password, password } = parseBody(changePasswordInput, body);
  if (!(await verifyPassword(user.hashedPassword, current_password))) {
    throw new ValidationError('Current password is not valid', {
      current_password: ['is not valid'],
    });
  }
  assertStrongPassword(password, user);
  const hashedPassword = await hashPassword(password);
  await db.transaction(async (tx) => {
    await tx
      .update(schema.users)
      .set({ hashedPassword, updatedAt: sql`now()` })
      .where(eq(schema.users.id, user.id));
    const others = [
      eq(schema.userTokens.userId, user.id),
      sql`${schema.userTokens.context} IN ('session', 'mfa_pending', 'reset_password')`,
    ];
    if (currentSessionId) others.push(ne(schema.userTokens.id, currentSessionId));
    await tx.delete(schema.userTokens).where(and(...others));
    await recordAuditEvent(tx, {
      event: 'password_changed',
      itemType: 'user',
      itemId: user.id,
      actorId: user.id,
    });
  });
}
