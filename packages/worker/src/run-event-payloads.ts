// Turns the runtime's RunEvents into the payloads of the run channel's events (spec §4). Pure
// functions: the order, batching and delivery are event-queue.ts's business.

import {
  type BatchLogsPayload,
  type LogLine,
  type RunCompletePayload,
  RunEvents,
  type RunLogPayload,
  type RunStartPayload,
  type StepCompletePayload,
  type StepStartPayload,
} from '@lightning/protocol';
import type { RunEvent } from '@lightning/runtime';

export interface PayloadContext {
  runId: string;
  /** `plan.options.output_dataclips`: false → step outputs are not sent (their ids still are). */
  outputDataclips: boolean;
  workerVersion: string;
}

type LogEvent = Extract<RunEvent, { type: 'log' }>;

/** A run-channel push: the event name and its payload. */
export type RunPush =
  | { event: typeof RunEvents.runStart; payload: RunStartPayload }
  | { event: typeof RunEvents.stepStart; payload: StepStartPayload }
  | { event: typeof RunEvents.runLog; payload: RunLogPayload }
  | { event: typeof RunEvents.runBatchLogs; payload: BatchLogsPayload }
  | { event: typeof RunEvents.stepComplete; payload: StepCompletePayload }
  | { event: typeof RunEvents.runComplete; payload: RunCompletePayload };

/** One log line as it appears in `run:log` and in each entry of `run:batch_logs`. */
export function toLogLine(event: LogEvent): LogLine {
  return {
    message: event.message,
    source: event.source,
    level: event.level,
    timestamp: event.timestamp,
    ...(event.step_id ? { step_id: event.step_id } : {}),
  };
}

/** `run:batch_logs` for consecutive log events of one run. */
export function toBatchLogs(events: LogEvent[], context: PayloadContext): RunPush {
  return {
    event: RunEvents.runBatchLogs,
    payload: { run_id: context.runId, logs: events.map(toLogLine) },
  };
}

/** The push for one RunEvent (a log becomes a single `run:log`). */
export function toRunPush(event: RunEvent, context: PayloadContext): RunPush {
  switch (event.type) {
    case 'run:start':
      return {
        event: RunEvents.runStart,
        payload: {
          versions: { ...event.versions, worker: context.workerVersion },
          timestamp: event.timestamp,
        },
      };
    case 'step:start':
      return {
        event: RunEvents.stepStart,
        payload: {
          step_id: event.step_id,
          job_id: event.job_id,
          ...(event.input_dataclip_id ? { input_dataclip_id: event.input_dataclip_id } : {}),
          timestamp: event.timestamp,
        },
      };
    case 'log':
      return {
        event: RunEvents.runLog,
        payload: { run_id: context.runId, ...toLogLine(event) },
      };
    case 'step:complete':
      return { event: RunEvents.stepComplete, payload: toStepComplete(event, context) };
    case 'run:complete':
      return {
        event: RunEvents.runComplete,
        payload: {
          reason: event.reason,
          error_type: event.error_type,
          error_message: event.error_message,
          timestamp: event.timestamp,
          ...(event.final_state === undefined ? {} : { final_state: event.final_state }),
          ...(event.final_dataclip_id ? { final_dataclip_id: event.final_dataclip_id } : {}),
        },
      };
  }
}

function toStepComplete(
  event: Extract<RunEvent, { type: 'step:complete' }>,
  context: PayloadContext,
): StepCompletePayload {
  const state = event.output_state;
  // The dataclip id goes with the output, except when the project withholds outputs: then the id
  // is still sent, as OpenFn's worker does, so the step can point at a wiped dataclip. A step
  // closed by the pool after a kill has the empty output `{}`, as upstream's.
  let output: Partial<StepCompletePayload>;
  if (event.output_dataclip_error) {
    output = { output_dataclip_error: event.output_dataclip_error };
  } else if (!context.outputDataclips) {
    output = { output_dataclip_id: event.output_dataclip_id };
  } else if (state !== undefined) {
    output = {
      output_dataclip_id: event.output_dataclip_id,
      output_dataclip: JSON.stringify(state),
    };
  } else {
    output = {};
  }
  const webhookResponse = state?.webhookResponse;
  return {
    step_id: event.step_id,
    job_id: event.job_id,
    reason: event.reason,
    error_type: event.error_type,
    error_message: event.error_message,
    ...output,
    mem: event.mem,
    duration: event.duration,
    timestamp: event.timestamp,
    ...(webhookResponse === undefined ? {} : { webhook_response: webhookResponse }),
  };
}
