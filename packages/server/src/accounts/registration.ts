// Sign-up. Only while ALLOW_SIGNUP=true — except the very first user of a fresh instance, who is
// let in regardless and becomes its superuser (someone has to be able to administer it). The first
// user is also confirmed at once: with MAIL_PROVIDER=local only a superuser could read the mail.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ForbiddenError } from '../http/errors.js';
import { createUser, hasUsers, type UserRow } from './users.js';

export const SIGNUP_DISABLED =
  'Sign-up is disabled on this instance; ask an administrator for an account';

export interface RegistrationResult {
  user: UserRow;
  /** True when this is the instance's first user (made superuser). */
  first: boolean;
}

export async function registerUser(
  db: Database,
  body: unknown,
  options: { allowSignup: boolean },
): Promise<RegistrationResult> {
  // Serialises concurrent first sign-ups, so exactly one of them becomes the superuser.
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('lightning.accounts.first_user'))`);
    const first = !(await hasUsers(tx));
    if (!first && !options.allowSignup) throw new ForbiddenError(SIGNUP_DISABLED);
    const user = await createUser(tx, body, {
      role: first ? 'superuser' : 'user',
      confirmed: first,
    });
    return { user, first };
  });
}
