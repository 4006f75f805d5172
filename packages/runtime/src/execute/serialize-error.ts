// The entry a `fail` error leaves in `state.errors[jobId]`, in OpenFn's shape, so jobs and
// edge conditions downstream can read what went wrong.
import { AdaptorError, type RunError } from '../errors.js';
import type { ExitReason } from '../types.js';
import { toSafeJson } from './safe-json.js';
import type { Scrubber } from './scrub-secrets.js';

export interface SerializedError {
  source: 'runtime';
  name: string;
  type: string;
  severity: ExitReason;
  message: string;
  subtype?: string;
  /** Where in the job source (1-based line and column). */
  pos?: { line: number; column: number };
  /** For an AdaptorError: the operation it happened in, and its line in the job. */
  operation?: string;
  line?: number;
  details?: unknown;
}

export function serializeError(error: RunError, scrub: Scrubber): SerializedError {
  const cause = (error as { cause?: unknown }).cause;
  const details =
    error.type === 'AdaptorError' && cause && typeof cause === 'object'
      ? JSON.parse(
          toSafeJson({ ...cause, name: (cause as Error).name, message: (cause as Error).message }),
        )
      : undefined;
  return {
    source: 'runtime',
    name: error.type,
    type: error.type,
    severity: error.severity,
    message: error.message,
    ...('subtype' in error ? { subtype: String(error.subtype) } : {}),
    ...(error.pos ? { pos: error.pos } : {}),
    ...(error instanceof AdaptorError && error.operation
      ? { operation: error.operation, line: error.line }
      : {}),
    ...(details ? { details: scrub([details])[0] } : {}),
  };
}
