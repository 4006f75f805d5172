// `step:complete`: a job ended. The output state travels as a JSON *string* (`output_dataclip`)
// under a worker-generated UUID; it is absent when the plan says `output_dataclips: false` (the
// id is still sent) or when it was too large (`output_dataclip_error`, and then no id either).

import { z } from 'zod';
import {
  exitReasonField,
  optionalString,
  optionalUuid,
  timestampField,
  uuidField,
} from './fields.js';

export const DATACLIP_TOO_LARGE = 'DATACLIP_TOO_LARGE';

export const stepCompletePayloadSchema = z
  .object({
    step_id: uuidField,
    /** Sent by workers; Lightning finds the step by `step_id` alone. */
    job_id: optionalString,
    reason: exitReasonField,
    error_type: optionalString,
    error_message: optionalString,
    output_dataclip_id: optionalUuid,
    output_dataclip: z.string().nullish(),
    output_dataclip_error: z.literal(DATACLIP_TOO_LARGE).nullish(),
    /** Heap of the job and of the whole process, in bytes. Absent for killed or crashed steps. */
    mem: z.object({ job: z.number(), system: z.number() }).nullish(),
    /** Milliseconds. */
    duration: z.number().min(0).nullish(),
    thread_id: z.union([z.number(), z.string()]).nullish(),
    /** Copied from `state.webhookResponse` when a job set it (synchronous webhook replies). */
    webhook_response: z.unknown().optional(),
    /** Lightning falls back to "now" when absent. */
    timestamp: timestampField.optional(),
  })
  .superRefine((payload, ctx) => {
    const hasDataclip = payload.output_dataclip !== undefined && payload.output_dataclip !== null;
    if (hasDataclip && !payload.output_dataclip_id) {
      ctx.addIssue({
        code: 'custom',
        path: ['output_dataclip_id'],
        message: "can't be blank when output_dataclip is given",
      });
    }
    if (hasDataclip && payload.output_dataclip_error) {
      ctx.addIssue({
        code: 'custom',
        path: ['output_dataclip'],
        message: `must be absent when output_dataclip_error is ${DATACLIP_TOO_LARGE}`,
      });
    } else if (hasDataclip && !isJson(payload.output_dataclip as string)) {
      // Checked here so a bad dataclip is refused before anything of the step is stored.
      ctx.addIssue({
        code: 'custom',
        path: ['output_dataclip'],
        message: 'must be the output state as a JSON string',
      });
    }
  });
export type StepCompletePayload = z.output<typeof stepCompletePayloadSchema>;

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
