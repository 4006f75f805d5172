// Route access of what the workflow editor needs besides the workflows API: the adaptor registry
// (adaptors/) and manual runs (runs/manual-routes.ts).
import { count } from 'drizzle-orm';
import { schema } from '../../db/index.js';
import type { RouteAccessFile } from './types.js';

const editor: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/adaptors', access: 'authenticated' },
    {
      method: 'GET',
      url: '/api/adaptors/functions',
      access: 'authenticated',
      request: () => ({ url: '/api/adaptors/functions?adaptor=@openfn/language-common@latest' }),
    },
    {
      method: 'POST',
      url: '/api/workflows/:id/runs',
      access: { project: 'run:create' },
      request: (f) => ({
        url: `/api/workflows/${f.workflowId}/runs`,
        payload: { job_id: f.jobIds[0], body: { data: { from: 'matrix' } } },
      }),
      observe: async (f) => (await f.db.select({ n: count() }).from(schema.runs))[0]?.n,
    },
  ],
};
export default editor;
