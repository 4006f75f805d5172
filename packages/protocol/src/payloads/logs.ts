// `run:log` (one line) and `run:batch_logs` (several lines, for workers started with
// `--batch-logs`). A line's `message` is an array of strings and objects, which the server joins
// with spaces (objects JSON-encoded); a plain string is accepted too.

import { z } from 'zod';
import { logLevelField, optionalString, optionalUuid, timestampField } from './fields.js';

/** Where a line came from: `R/T` runtime, `JOB` job console, `ADA` adaptor, `RTE` engine, `VER` versions. */
export const LOG_SOURCES = ['R/T', 'JOB', 'ADA', 'RTE', 'VER'] as const;

export const logLineSchema = z.object({
  message: z.union([z.array(z.unknown()), z.string()], {
    error: (issue) =>
      issue.input === undefined || issue.input === null
        ? "can't be blank"
        : 'must be an array of strings and objects, or a string',
  }),
  timestamp: timestampField,
  level: logLevelField.nullish(),
  source: optionalString,
  step_id: optionalUuid,
});
export type LogLine = z.output<typeof logLineSchema>;

/** `run:log`: one line. `run_id` is sent by workers; the server uses the channel's run. */
export const runLogPayloadSchema = logLineSchema.extend({ run_id: optionalString });
export type RunLogPayload = z.output<typeof runLogPayloadSchema>;

/** `run:batch_logs`: `{"run_id", "logs": [line, …]}`; errors name the line (`logs.3.level`). */
export const batchLogsPayloadSchema = z.object({
  run_id: optionalString,
  logs: z.array(logLineSchema),
});
export type BatchLogsPayload = z.output<typeof batchLogsPayloadSchema>;
