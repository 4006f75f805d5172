// Route access of the runs context: work orders, runs, log lines, dataclips, retry, cancel.
import { count } from 'drizzle-orm';
import { schema } from '../../db/index.js';
import type { RouteAccessFile, RouteFixture } from './types.js';

const runCount = async (fixture: RouteFixture) =>
  (await fixture.db.select({ n: count() }).from(schema.runs))[0]?.n;

const runs: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/work_orders', access: 'authenticated' },
    {
      method: 'GET',
      url: '/api/projects/:project_id/work_orders',
      access: { project: 'run:read' },
    },
    {
      method: 'GET',
      url: '/api/projects/:project_id/last_runs',
      access: { project: 'run:read' },
    },
    {
      method: 'POST',
      url: '/api/work_orders/retry',
      access: { project: 'run:retry' },
      request: (f) => ({ url: '/api/work_orders/retry', payload: { workflow_id: f.workflowId } }),
      observe: runCount,
    },
    {
      method: 'GET',
      url: '/api/work_orders/:id',
      access: { project: 'run:read' },
      request: (f) => ({ url: `/api/work_orders/${f.workOrderId}` }),
    },
    {
      method: 'GET',
      url: '/api/runs/:id',
      access: { project: 'run:read' },
      request: (f) => ({ url: `/api/runs/${f.runId}` }),
    },
    {
      method: 'GET',
      url: '/api/runs/:id/log_lines',
      access: { project: 'run:read' },
      request: (f) => ({ url: `/api/runs/${f.runId}/log_lines` }),
    },
    {
      method: 'POST',
      url: '/api/runs/:id/retry',
      access: { project: 'run:retry' },
      request: (f) => ({ url: `/api/runs/${f.runId}/retry`, payload: {} }),
      observe: runCount,
    },
    {
      // Cancelling the fixture's finished run is refused (409) once authorized, so it stays.
      method: 'POST',
      url: '/api/runs/:id/cancel',
      access: { project: 'run:cancel' },
      request: (f) => ({ url: `/api/runs/${f.runId}/cancel` }),
      observe: async (f) =>
        (await f.db.select({ state: schema.runs.state }).from(schema.runs))
          .map((r) => r.state)
          .sort(),
    },
    {
      method: 'GET',
      url: '/api/dataclips/:id',
      access: { project: 'dataclip:read' },
      request: (f) => ({ url: `/api/dataclips/${f.dataclipId}` }),
    },
  ],
};

export default runs;
