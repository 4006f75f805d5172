// `run:start`: the run began on the worker. Versions map a component (`worker`, `node`,
// `engine`, …) to its version, and an adaptor name to the list of versions in use.

import { z } from 'zod';
import { timestampField } from './fields.js';

export const runStartPayloadSchema = z.object({
  versions: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  /** Lightning falls back to "now" when absent. */
  timestamp: timestampField.optional(),
});
export type RunStartPayload = z.output<typeof runStartPayloadSchema>;
