// The shapes of credential requests. Shape errors are 422 with the field named; the body itself is
// checked later against its credential schema.
import { z } from 'zod';
import { emptyFieldErrors, ValidationError } from '../http/errors.js';

const uuid = z.guid({ error: 'must be a UUID' });

// Lightning's rule: letters, digits, spaces, `_` and `-`; unique per owner.
const name = z
  .string({ error: "can't be blank" })
  .trim()
  .min(1, "can't be blank")
  .max(100, 'must be at most 100 characters')
  .regex(/^[a-zA-Z0-9_\- ]*$/, 'may only hold letters, digits, spaces, "_" and "-"');

/**
 * The body: a JSON object, or (from a form's text area) a string holding one. A string that is not
 * JSON is refused with the parser's reason.
 */
const body = z.unknown().transform((value, ctx) => {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      // The parser's message quotes the text, which may hold a secret: not repeated back.
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  }
  return parsed as Record<string, unknown>;
});

// Lightning's create takes `project_credentials: [{project_id}]`; ours also `project_ids`.
const sharing = {
  project_ids: z.array(uuid).optional(),
  project_credentials: z.array(z.object({ project_id: uuid })).optional(),
};

const createSchema = z.object({
  name,
  schema: z.string({ error: "can't be blank" }).min(1, "can't be blank"),
  body,
  production: z.boolean().optional(),
  ...sharing,
});

// Other fields (what a GET returned: id, schema, owner_email, …) are ignored, so a client may send
// back what it read; the schema of a credential never changes.
const updateSchema = z.object({
  name: name.optional(),
  body: body.optional(),
  production: z.boolean().optional(),
});

const transferSchema = z.object({ email: z.string().trim().min(1, "can't be blank") });
const shareSchema = z.object({ project_id: uuid });

export interface CredentialInput {
  name: string;
  schema: string;
  body: Record<string, unknown>;
  production: boolean;
  projectIds: string[];
}

export interface CredentialChanges {
  name?: string;
  body?: Record<string, unknown>;
  production?: boolean;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const errors: Record<string, string[]> = emptyFieldErrors();
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [key]) : [issue.path];
    for (const path of keys) {
      const field = path.length > 0 ? path.map(String).join('.') : 'body';
      const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
      errors[field] = [...(errors[field] ?? []), message];
    }
  }
  throw new ValidationError('The credential is not valid', errors);
}

/**
 * The project ids a create names, read before anything else so that sharing is authorized before
 * the rest is validated (a viewer gets 403, not a schema error).
 */
export function requestedProjectIds(value: unknown): string[] {
  const { project_ids = [], project_credentials = [] } = parse(z.object(sharing), value);
  return [...new Set([...project_ids, ...project_credentials.map((item) => item.project_id)])];
}

export function parseCredentialInput(value: unknown): CredentialInput {
  const input = parse(createSchema, value);
  return {
    name: input.name,
    schema: input.schema,
    body: input.body,
    production: input.production ?? false,
    projectIds: requestedProjectIds(value),
  };
}

export function parseCredentialChanges(value: unknown): CredentialChanges {
  return parse(updateSchema, value);
}

export function parseTransfer(value: unknown): { email: string } {
  return parse(transferSchema, value);
}

export function parseShare(value: unknown): { projectId: string } {
  return { projectId: parse(shareSchema, value).project_id };
}
