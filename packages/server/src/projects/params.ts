// Request bodies of the projects API: malformed input (wrong types, unknown fields) is a 400 naming
// each field; well-formed input that breaks a rule (name format, retention periods) is a 422.
import { z } from 'zod';
import { schema } from '../db/index.js';
import { emptyFieldErrors, HttpError } from '../http/errors.js';

export type FieldErrors = Record<string, string[]>;

export const RETENTION_PERIODS = [7, 14, 30, 90, 180, 365] as const;
export const DIGESTS = ['never', 'daily', 'weekly', 'monthly'] as const;
export const ASSIGNABLE_ROLES = ['viewer', 'editor', 'admin'] as const;

/** Lightning's rule for project names: lower-case letters, digits and hyphens. */
export const PROJECT_NAME = /^[a-z\-\d]+$/;

const retentionPeriod = z
  .number({ error: 'must be one of 7, 14, 30, 90, 180, 365 (days) or null' })
  .nullable()
  .optional();

export const createProjectBody = z.strictObject({
  name: z.string({ error: 'is required' }),
  description: z.string().nullable().optional(),
});

export const updateProjectBody = z.strictObject({
  name: z.string().optional(),
  description: z.string().nullable().optional(),
  concurrency: z.number().int('must be a whole number').nullable().optional(),
  retention_policy: z.string().optional(),
  history_retention_period: retentionPeriod,
  dataclip_retention_period: retentionPeriod,
  requires_mfa: z.boolean().optional(),
});

export const addMemberBody = z.strictObject({
  email: z.string({ error: 'is required' }),
  role: z.string({ error: 'is required' }),
});

export const changeRoleBody = z.strictObject({ role: z.string({ error: 'is required' }) });

export const ownAlertsBody = z.strictObject({
  failure_alert: z.boolean().optional(),
  digest: z.string().optional(),
});

/** Parses a body with a schema, or throws 400 with the path of each bad field. */
export function parseBody<T extends z.ZodType>(body: unknown, shape: T, what: string): z.infer<T> {
  const parsed = shape.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const errors: FieldErrors = emptyFieldErrors();
  for (const issue of parsed.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const path = [...issue.path, ...(key === undefined ? [] : [key])].join('.') || 'body';
      const message =
        key !== undefined
          ? 'is not a known field'
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : issue.message;
      addError(errors, path, message);
    }
  }
  throw new HttpError(400, `${what} is malformed`, { errors });
}

export function addError(errors: FieldErrors, field: string, message: string): void {
  const list = errors[field];
  if (list) list.push(message);
  else errors[field] = [message];
}

export function checkName(errors: FieldErrors, name: string): void {
  if (!name) addError(errors, 'name', 'must not be blank');
  else if (!PROJECT_NAME.test(name)) {
    addError(errors, 'name', 'may only contain lower-case letters, digits and hyphens');
  } else if (name.length > 255) addError(errors, 'name', 'must be at most 255 characters');
}

export function checkDescription(errors: FieldErrors, description: string | null | undefined) {
  if ((description ?? '').length > 240) {
    addError(errors, 'description', 'must be at most 240 characters');
  }
}

export const isRetentionPolicy = (
  value: string,
): value is (typeof schema.RETENTION_POLICIES)[number] =>
  (schema.RETENTION_POLICIES as readonly string[]).includes(value);
