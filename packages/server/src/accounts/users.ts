// Users: creation with validation (registration, the CLI, tests), lookup, the profile, and the JSON
// shape every accounts route answers with. Passwords are only ever stored as argon2id hashes.
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { ValidationError } from '../http/errors.js';
import { emailField, nameField, parseBody, passwordField } from './input.js';
import { hashPassword, passwordProblems } from './passwords.js';

export type UserRow = typeof schema.users.$inferSelect;

/** The user as the API shows it (never the hash, the lockout counters or the TOTP state). */
export interface UserJson {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  role: 'user' | 'superuser';
  mfa_enabled: boolean;
  confirmed: boolean;
  inserted_at: string;
}

export function userJson(user: {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: 'user' | 'superuser';
  mfaEnabled: boolean;
  confirmedAt: Date | null;
  insertedAt?: string;
}): UserJson {
  return {
    id: user.id,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    role: user.role,
    mfa_enabled: user.mfaEnabled,
    confirmed: user.confirmedAt !== null,
    inserted_at: user.insertedAt ? new Date(user.insertedAt).toISOString() : '',
  };
}

export async function getUser(db: Database, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(schema.users).where(eq(schema.users.id, id)).limit(1);
  return row;
}

/** Emails are unique case-insensitively (the `users_email_index` is on `lower(email)`). */
export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(schema.users)
    .where(sql`lower(${schema.users.email}) = ${email.trim().toLowerCase()}`)
    .limit(1);
  return row;
}

export async function hasUsers(db: Database): Promise<boolean> {
  const [row] = await db.select({ id: schema.users.id }).from(schema.users).limit(1);
  return row !== undefined;
}

export const newUserInput = z.object({
  first_name: nameField.min(1, { error: "can't be blank" }),
  last_name: nameField.optional(),
  email: emailField,
  password: passwordField,
});
export type NewUserInput = z.output<typeof newUserInput>;

export interface CreateUserOptions {
  role?: 'user' | 'superuser';
  /** Mark the email confirmed at once (the CLI, the first user of an instance). */
  confirmed?: boolean;
}

/** Throws 422 naming the password field when the password breaks a strength rule. */
export function assertStrongPassword(
  password: string,
  owner: { email?: string | null; firstName?: string | null; lastName?: string | null },
  field = 'password',
): void {
  const problems = passwordProblems(password, owner);
  if (problems.length > 0) {
    throw new ValidationError(`Password ${problems[0]}`, { [field]: problems });
  }
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === '23505') return true;
  }
  return false;
}

export const EMAIL_TAKEN = 'has already been taken';

/** The checks of a new user that need no database: fields and password strength (422s). */
export function validateNewUser(body: unknown): NewUserInput {
  const input = parseBody(newUserInput, body);
  assertStrongPassword(input.password, {
    email: input.email,
    firstName: input.first_name,
    lastName: input.last_name,
  });
  return input;
}

/**
 * Validates and inserts a user. `body` is the raw request body (or the CLI's options in the same
 * shape); bad fields, a weak password and a taken email are 422s naming the field.
 */
export async function createUser(
  db: Database,
  body: unknown,
  options: CreateUserOptions = {},
): Promise<UserRow> {
  const input = validateNewUser(body);
  if (await findUserByEmail(db, input.email)) {
    throw new ValidationError('Email has already been taken', { email: [EMAIL_TAKEN] });
  }
  const hashedPassword = await hashPassword(input.password);
  try {
    const [row] = await db
      .insert(schema.users)
      .values({
        firstName: input.first_name,
        lastName: input.last_name ?? '',
        email: input.email,
        hashedPassword,
        role: options.role ?? 'user',
        confirmedAt: options.confirmed ? new Date() : null,
      })
      .returning();
    return row!;
  } catch (error) {
    // Two registrations of one address at the same moment: the unique index decides.
    if (isUniqueViolation(error)) {
      throw new ValidationError('Email has already been taken', { email: [EMAIL_TAKEN] });
    }
    throw error;
  }
}

const profileInput = z.object({
  first_name: nameField.min(1, { error: "can't be blank" }).optional(),
  last_name: nameField.optional(),
});

export async function updateProfile(db: Database, userId: string, body: unknown): Promise<UserRow> {
  const input = parseBody(profileInput, body);
  const changes: Partial<typeof schema.users.$inferInsert> = {};
  if (input.first_name !== undefined) changes.firstName = input.first_name;
  if (input.last_name !== undefined) changes.lastName = input.last_name;
  const [row] = await db
    .update(schema.users)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(schema.users.id, userId))
    .returning();
  return row!;
}
