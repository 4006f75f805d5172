// Turns a failed zod parse into the error body Lightning replies with: an Ecto changeset rendered
// as `{"errors": {"<field>": ["<message>"]}}`. Nested fields are named by their dotted path
// (`logs.2.level`); a payload that is not even an object is reported under `payload`.

import type { z } from 'zod';

/** The `response` of an error reply to a payload that failed validation. */
export interface ChangesetErrors {
  errors: Record<string, string[]>;
}

/** The key used when the payload itself, not one of its fields, is wrong. */
export const ROOT_FIELD = 'payload';

/** One field, one message: `changesetError('id', "can't be blank")`. */
export function changesetError(field: string, message: string): ChangesetErrors {
  return { errors: { [field]: [message] } };
}

export function toChangesetErrors(error: z.ZodError): ChangesetErrors {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : ROOT_FIELD;
    const messages = errors[field] ?? [];
    if (!messages.includes(issue.message)) messages.push(issue.message);
    errors[field] = messages;
  }
  return { errors };
}

/**
 * Per-parse error messages in Ecto's words where Ecto has them (`can't be blank`), and saying what
 * would be accepted otherwise. Messages set on a schema itself (refinements) take precedence.
 */
export const changesetErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return "can't be blank";
      return `must be ${article(issue.expected)} (got ${typeName(issue.input)})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')} (got ${JSON.stringify(issue.input)})`;
    case 'invalid_format':
      return issue.format === 'guid' || issue.format === 'uuid'
        ? 'must be a UUID'
        : `must be a valid ${issue.format}`;
    case 'too_small':
      if (issue.origin === 'string') return "can't be blank";
      if (issue.origin === 'number') return `must be at least ${issue.minimum}`;
      return undefined;
    case 'unrecognized_keys':
      return `has unknown keys: ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
};

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function typeName(input: unknown): string {
  if (Array.isArray(input)) return 'array';
  return typeof input;
}
