// Events whose payload carries nothing: `fetch:plan`, `work-available`, `phx_leave`, `heartbeat`.
// Any object is accepted (extra keys ignored), as Phoenix and Lightning do.

import { z } from 'zod';

export const emptyPayloadSchema = z.looseObject({});
export type EmptyPayload = z.output<typeof emptyPayloadSchema>;
