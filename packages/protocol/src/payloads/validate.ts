// The one way both sides check a payload: parse with the event's schema and, on failure, return
// the changeset-shaped body the server replies with (and the worker can log as is).

import type { z } from 'zod';
import { type ChangesetErrors, changesetErrorMap, toChangesetErrors } from '../changeset-errors.js';
import { fail, ok, type Result } from '../result.js';

export type Validation<T> = Result<T, ChangesetErrors>;

/**
 * @example
 * const claim = validatePayload(claimPayloadSchema, frame.payload);
 * if (!claim.ok) return errorReply(frame, claim.error); // {"errors":{"demand":["can't be blank"]}}
 */
export function validatePayload<S extends z.ZodType>(
  schema: S,
  payload: unknown,
): Validation<z.output<S>> {
  const parsed = schema.safeParse(payload, { error: changesetErrorMap });
  return parsed.success ? ok(parsed.data) : fail(toChangesetErrors(parsed.error));
}
