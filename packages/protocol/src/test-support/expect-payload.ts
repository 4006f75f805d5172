// Assertions for payload validator tests: a valid payload parses to what we expect, an invalid one
// yields a changeset error naming the field.

import type { z } from 'zod';
import type { ChangesetErrors } from '../changeset-errors.js';
import { validatePayload } from '../payloads/validate.js';

export function expectValid<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const result = validatePayload(schema, payload);
  if (!result.ok) throw new Error(`expected a valid payload, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Returns the messages of `field`, failing if the payload is valid or the field is not named. */
export function expectFieldError(
  schema: z.ZodType,
  payload: unknown,
  field: string,
  message?: string | RegExp,
): string[] {
  const result = validatePayload(schema, payload);
  if (result.ok) throw new Error(`expected "${field}" to be refused, but the payload is valid`);
  const errors: ChangesetErrors = result.error;
  expect(Object.keys(errors)).toEqual(['errors']);
  expect(errors.errors).toHaveProperty([field]);
  const messages = errors.errors[field]!;
  expect(messages.length).toBeGreaterThan(0);
  if (message !== undefined) {
    expect(
      messages.some((m) => (typeof message === 'string' ? m === message : message.test(m))),
    ).toBe(true);
  }
  return messages;
}
