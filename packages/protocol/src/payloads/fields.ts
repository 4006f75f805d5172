// Field schemas shared by several payloads, so a reason or a timestamp is checked the same way
// everywhere.

import { z } from 'zod';
import { type MicroTimestamp, parseTimestamp } from '../timestamps.js';

/** Exit reasons a worker reports for a step or a run (spec §6). */
export const EXIT_REASONS = ['success', 'fail', 'crash', 'kill', 'exception', 'cancel'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** Log levels of `run:log` lines. */
export const LOG_LEVELS = ['debug', 'info', 'success', 'warn', 'error', 'always'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * An exit reason. Older workers say `ok` for success, which Lightning maps to `success`; the
 * parsed value is always one of `EXIT_REASONS`.
 */
export const exitReasonField = z
  .enum([...EXIT_REASONS, 'ok'], {
    error: (issue) =>
      issue.input === undefined || issue.input === null
        ? "can't be blank"
        : `must be one of ${EXIT_REASONS.join(', ')} (got ${JSON.stringify(issue.input)})`,
  })
  .transform((reason): ExitReason => (reason === 'ok' ? 'success' : reason));

export const logLevelField = z.enum(LOG_LEVELS);

/**
 * A timestamp in any accepted form (µs string, ms string, ms integer), parsed to the canonical
 * µs string.
 */
export const timestampField = z.any().transform((value, ctx): MicroTimestamp => {
  if (value === undefined || value === null) {
    ctx.issues.push({ code: 'custom', message: "can't be blank", input: value });
    return z.NEVER;
  }
  const parsed = parseTimestamp(value);
  if (!parsed.ok) {
    ctx.issues.push({ code: 'custom', message: parsed.error, input: value });
    return z.NEVER;
  }
  return parsed.value.toString();
}) as unknown as z.ZodType<MicroTimestamp, MicroTimestamp | number>;

/** A worker-generated id (step, dataclip): Lightning stores these in UUID columns. */
export const uuidField = z.guid();

/** Any other id or required text: a non-empty string. */
export const requiredString = z.string().min(1);

/** An optional string that may also arrive as `null` (JSON has no "absent" for a set key). */
export const optionalString = z.string().nullish();

/** An optional UUID that may also arrive as `null`. */
export const optionalUuid = uuidField.nullish();
