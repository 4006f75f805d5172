// Every payload schema, and the table of which schema checks which event on which channel.

import { emptyPayloadSchema } from './empty.js';
import { fetchCredentialPayloadSchema, fetchDataclipPayloadSchema } from './fetch.js';
import { batchLogsPayloadSchema, runLogPayloadSchema } from './logs.js';
import { claimPayloadSchema, queueJoinPayloadSchema } from './queue.js';
import { runCompletePayloadSchema } from './run-complete.js';
import { runJoinPayloadSchema } from './run-join.js';
import { runStartPayloadSchema } from './run-start.js';
import { stepCompletePayloadSchema } from './step-complete.js';
import { stepStartPayloadSchema } from './step-start.js';

export * from './empty.js';
export * from './fetch.js';
export * from './fields.js';
export * from './logs.js';
export * from './plan.js';
export * from './queue.js';
export * from './run-complete.js';
export * from './run-join.js';
export * from './run-start.js';
export * from './step-complete.js';
export * from './step-start.js';
export * from './validate.js';

/** Schemas of what a worker pushes on `worker:queue`, by event. */
export const queuePushSchemas = {
  phx_join: queueJoinPayloadSchema,
  claim: claimPayloadSchema,
  phx_leave: emptyPayloadSchema,
} as const;

/** Schemas of what a worker pushes on `run:<id>`, by event (spec §4). */
export const runPushSchemas = {
  phx_join: runJoinPayloadSchema,
  'fetch:plan': emptyPayloadSchema,
  'fetch:dataclip': fetchDataclipPayloadSchema,
  'fetch:credential': fetchCredentialPayloadSchema,
  'run:start': runStartPayloadSchema,
  'step:start': stepStartPayloadSchema,
  'run:log': runLogPayloadSchema,
  'run:batch_logs': batchLogsPayloadSchema,
  'step:complete': stepCompletePayloadSchema,
  'run:complete': runCompletePayloadSchema,
  phx_leave: emptyPayloadSchema,
} as const;

export type QueuePushEvent = keyof typeof queuePushSchemas;
export type RunPushEvent = keyof typeof runPushSchemas;

/** Whether `event` is one a worker may push on `worker:queue`. */
export function isQueuePushEvent(event: string): event is QueuePushEvent {
  return Object.hasOwn(queuePushSchemas, event);
}

/** Whether `event` is one a worker may push on `run:<id>`. */
export function isRunPushEvent(event: string): event is RunPushEvent {
  return Object.hasOwn(runPushSchemas, event);
}
