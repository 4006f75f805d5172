// HTTP routes of the runs context's history side: parse → call → shape. The work is done by
// history.ts, show.ts, retry.ts and cancel.ts so the accounts layer can wrap it with authorization.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../http/context.js';
import { NotFoundError } from '../http/errors.js';
import { cancelRun } from './cancel.js';
import { getWorkOrder, listWorkOrders, projectExists } from './history.js';
import {
  parseBulkRetryBody,
  parseLogLineQuery,
  parseRetryBody,
  parseWorkOrderQuery,
} from './history-params.js';
import { retryRun, retryWorkOrders } from './retry.js';
import { getDataclip, getRun, listLogLines } from './show.js';

const uuid = z.guid();

/** The id in a path parameter, or 404 (a malformed id cannot name anything). */
function pathId(value: string, what: string): string {
  if (!uuid.safeParse(value).success) throw new NotFoundError(`${what} ${value} not found`);
  return value;
}

function found<T>(value: T | null, what: string, id: string): { data: T } {
  if (value === null) throw new NotFoundError(`${what} ${id} not found`);
  return { data: value };
}

type Id = { Params: { id: string } };

export async function registerRunRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, bus } = context;

  app.get('/api/work_orders', (request) => {
    const { filter, page } = parseWorkOrderQuery(request.query);
    return listWorkOrders(db, filter, page);
  });

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/work_orders',
    async (request) => {
      const projectId = pathId(request.params.project_id, 'Project');
      const { filter, page } = parseWorkOrderQuery(request.query, projectId);
      const workOrders = await listWorkOrders(db, filter, page);
      if (workOrders.data.length === 0 && !(await projectExists(db, projectId))) {
        throw new NotFoundError(`Project ${projectId} not found`);
      }
      return workOrders;
    },
  );

  app.post('/api/work_orders/retry', async (request) => {
    const { filter, after } = parseBulkRetryBody(request.body);
    const { retried, skipped, nextCursor } = await retryWorkOrders(db, filter, { bus, after });
    return { data: { retried, skipped }, meta: { next_cursor: nextCursor } };
  });

  app.get<Id>('/api/work_orders/:id', async (request) => {
    const id = pathId(request.params.id, 'Work order');
    return found(await getWorkOrder(db, id), 'Work order', id);
  });

  app.get<Id>('/api/runs/:id', async (request) => {
    const id = pathId(request.params.id, 'Run');
    return found(await getRun(db, id), 'Run', id);
  });

  app.get<Id>('/api/runs/:id/log_lines', async (request) => {
    const id = pathId(request.params.id, 'Run');
    const { levels, page } = parseLogLineQuery(request.query);
    const lines = await listLogLines(db, id, { levels, ...page });
    if (!lines) throw new NotFoundError(`Run ${id} not found`);
    return lines;
  });

  app.post<Id>('/api/runs/:id/retry', async (request, reply) => {
    const runId = pathId(request.params.id, 'Run');
    const { stepId } = parseRetryBody(request.body);
    const retried = await retryRun(db, { runId, stepId }, { bus });
    return reply.status(201).header('location', `/api/runs/${retried.run_id}`).send({
      data: retried,
    });
  });

  app.post<Id>('/api/runs/:id/cancel', async (request) => ({
    data: await cancelRun(db, pathId(request.params.id, 'Run'), { bus }),
  }));

  app.get<Id>('/api/dataclips/:id', async (request) => {
    const id = pathId(request.params.id, 'Dataclip');
    return found(await getDataclip(db, id), 'Dataclip', id);
  });
}
