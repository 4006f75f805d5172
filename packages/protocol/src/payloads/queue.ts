// Payloads of the `worker:queue` channel (spec §3).

import { z } from 'zod';
import { requiredString } from './fields.js';

/**
 * `phx_join` on `worker:queue`: `{"capacity": N, "queues": {"manual>*": N}}`. Lightning accepts
 * any join payload, so only the types of the known keys are checked.
 */
export const queueJoinPayloadSchema = z.looseObject({
  capacity: z.int().min(0).optional(),
  queues: z.record(z.string(), z.int().min(0)).optional(),
});
export type QueueJoinPayload = z.output<typeof queueJoinPayloadSchema>;

/**
 * `claim`: `{"demand": n, "worker_name": string or null, "queues": ["manual", "*"]}`.
 * An empty `worker_name` is read as `null`, as Lightning does.
 */
export const claimPayloadSchema = z.object({
  demand: z.int().min(1),
  worker_name: z
    .string()
    .nullish()
    .transform((name) => (name ? name : null)),
  queues: z.array(requiredString).optional(),
});
export type ClaimPayload = z.output<typeof claimPayloadSchema>;

/** One run handed to a worker by a claim. */
export const claimedRunSchema = z.object({ id: requiredString, token: requiredString });
export type ClaimedRun = z.output<typeof claimedRunSchema>;

/** Reply to `claim`: `{"runs": [{id, token}]}`; an empty list means nothing to do. */
export const claimReplySchema = z.object({ runs: z.array(claimedRunSchema) });
export type ClaimReply = z.output<typeof claimReplySchema>;
