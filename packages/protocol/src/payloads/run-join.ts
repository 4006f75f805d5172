// `phx_join` on `run:<id>`: the run token handed out by the claim.

import { z } from 'zod';
import { requiredString } from './fields.js';

export const runJoinPayloadSchema = z.object({ token: requiredString });
export type RunJoinPayload = z.output<typeof runJoinPayloadSchema>;
