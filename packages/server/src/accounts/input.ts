// Request bodies of the accounts routes: parsed with zod into typed input, or a 422 naming each
// offending field. Unknown fields are ignored (web forms send extra ones).
import { z } from 'zod';
import { unstorableTextProblem } from '../db/index.js';
import { emptyFieldErrors, ValidationError } from '../http/errors.js';

/** Refuses text PostgreSQL cannot hold or compare (a NUL character, a lone surrogate). */
const storable = (value: string) => unstorableTextProblem(value) === undefined;
const storableError = {
  error: (issue: { input?: unknown }) =>
    unstorableTextProblem(String(issue.input ?? '')) ?? 'is invalid',
};

export const EMAIL_MAX_LENGTH = 160;

/** Lightning's rule: something, an @, something, no spaces; at most 160 characters; lower-cased. */
export const emailField = z
  .string({ error: 'is required' })
  .trim()
  .min(1, { error: "can't be blank" })
  .max(EMAIL_MAX_LENGTH, { error: `should be at most ${EMAIL_MAX_LENGTH} characters` })
  .regex(/^\S+@\S+$/, { error: 'must have the @ sign and no spaces' })
  .refine(storable, storableError)
  .transform((value) => value.toLowerCase());

/** A password as typed; the strength rules are checked separately (they need the owner). */
export const passwordField = z.string({ error: 'is required' }).min(1, { error: "can't be blank" });

export const nameField = z
  .string({ error: 'must be a string' })
  .trim()
  .max(255, { error: 'should be at most 255 characters' })
  .refine(storable, storableError);

export const tokenField = z
  .string({ error: 'is required' })
  .min(1, { error: "can't be blank" })
  .max(4096, { error: 'is invalid' })
  .refine(storable, storableError);

/** Parses `body` with `schema` or throws 422 with one entry per offending field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors: Record<string, string[]> = emptyFieldErrors();
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
    const message =
      issue.code === 'invalid_type' && issue.path.length === 0
        ? 'must be a JSON object'
        : issue.message;
    const list = errors[field] ?? [];
    list.push(message);
    errors[field] = list;
  }
  throw new ValidationError('Invalid input', errors);
}
