// `run:complete`: the run ended. A normal end carries the timestamp and final state; a
// workflow-level error end carries only the reason and error fields.

import { z } from 'zod';
import {
  type ExitReason,
  exitReasonField,
  optionalString,
  optionalUuid,
  timestampField,
} from './fields.js';

export const runCompletePayloadSchema = z.object({
  reason: exitReasonField,
  error_type: optionalString,
  error_message: optionalString,
  timestamp: timestampField.optional(),
  /** One leaf → its state; several leaves → an object keyed by step id. */
  final_state: z.unknown().optional(),
  /** Only when exactly one leaf ran and its dataclip was not withheld. */
  final_dataclip_id: optionalUuid,
});
export type RunCompletePayload = z.output<typeof runCompletePayloadSchema>;

/** Final states of a run that a worker can cause (spec §6); `lost` is decided by the server. */
export type RunFinalState = 'success' | 'failed' | 'crashed' | 'killed' | 'exception' | 'cancelled';

const FINAL_STATES: Record<ExitReason, RunFinalState> = {
  success: 'success',
  fail: 'failed',
  crash: 'crashed',
  kill: 'killed',
  exception: 'exception',
  cancel: 'cancelled',
};

/** The run state a reported reason leads to: `fail` → `failed`, `kill` → `killed`, … */
export function finalStateForReason(reason: ExitReason): RunFinalState {
  return FINAL_STATES[reason];
}
