// HTTP routes of the runs context's history side: authorize → parse → call → shape. The work is
// done by history.ts, show.ts, retry.ts and cancel.ts; each route first asks the projects policy
// about the project of what it touches (lookup.ts finds it), so a caller without the role gets
// 401/403/404 before any body is looked at.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { NotFoundError } from '../http/errors.js';
import {
  authorize,
  authorizeResource,
  type ProjectAction,
  visibleProjectIds,
} from '../projects/policy.js';
import { projectOfWorkflow } from '../workflows/lookup.js';
import { cancelRun } from './cancel.js';
import { getWorkOrder, listWorkOrders, projectExists } from './history.js';
import {
  parseBulkRetryBody,
  parseLogLineQuery,
  parseRetryBody,
  parseWorkOrderQuery,
} from './history-params.js';
import { listLastRuns } from './last-runs.js';
import { projectOfDataclip, projectOfRun, projectOfWorkOrder } from './lookup.js';
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

  /** The run's id from the path, once the caller may take `action` in its project. */
  const runAccess = async (request: FastifyRequest<Id>, action: ProjectAction) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Run');
    await authorizeResource(db, actor, await projectOfRun(db, id), action, `Run ${id} not found`);
    return id;
  };

  app.get('/api/work_orders', async (request) => {
    const visible = await visibleProjectIds(db, requireActor(request));
    const { filter, page } = parseWorkOrderQuery(request.query);
    return listWorkOrders(
      db,
      visible === 'all' ? filter : { ...filter, projectIds: visible },
      page,
    );
  });

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/work_orders',
    async (request) => {
      const projectId = pathId(request.params.project_id, 'Project');
      await authorize(db, requireActor(request), projectId, 'run:read');
      const { filter, page } = parseWorkOrderQuery(request.query, projectId);
      const workOrders = await listWorkOrders(db, filter, page);
      if (workOrders.data.length === 0 && !(await projectExists(db, projectId))) {
        throw new NotFoundError(`Project ${projectId} not found`);
      }
      return workOrders;
    },
  );

  app.get<{ Params: { project_id: string } }>(
    '/api/projects/:project_id/last_runs',
    async (request) => {
      const projectId = pathId(request.params.project_id, 'Project');
      await authorize(db, requireActor(request), projectId, 'run:read');
      return { data: await listLastRuns(db, projectId) };
    },
  );

  app.post('/api/work_orders/retry', async (request) => {
    const actor = requireActor(request);
    // The body names what to retry: the project (and workflow) it names must allow retries. They
    // are authorized before the rest of the body is validated, so a caller who may not retry there
    // gets 403/404 whatever else the body holds (an id that is not a UUID names nothing: 404).
    const raw = (request.body ?? {}) as { project_id?: unknown; workflow_id?: unknown };
    if (typeof raw.project_id === 'string') {
      await authorize(db, actor, raw.project_id, 'run:retry');
    }
    if (typeof raw.workflow_id === 'string') {
      const workflowId = raw.workflow_id;
      const projectId = uuid.safeParse(workflowId).success
        ? await projectOfWorkflow(db, workflowId)
        : null;
      await authorizeResource(
        db,
        actor,
        projectId,
        'run:retry',
        `Workflow ${workflowId} not found`,
      );
    }
    const { filter, after } = parseBulkRetryBody(request.body);
    const { retried, skipped, nextCursor } = await retryWorkOrders(db, filter, { bus, after });
    return { data: { retried, skipped }, meta: { next_cursor: nextCursor } };
  });

  app.get<Id>('/api/work_orders/:id', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Work order');
    const projectId = await projectOfWorkOrder(db, id);
    await authorizeResource(db, actor, projectId, 'run:read', `Work order ${id} not found`);
    return found(await getWorkOrder(db, id), 'Work order', id);
  });

  app.get<Id>('/api/runs/:id', async (request) => {
    const id = await runAccess(request, 'run:read');
    return found(await getRun(db, id), 'Run', id);
  });

  app.get<Id>('/api/runs/:id/log_lines', async (request) => {
    const id = await runAccess(request, 'run:read');
    const { levels, page } = parseLogLineQuery(request.query);
    const lines = await listLogLines(db, id, { levels, ...page });
    if (!lines) throw new NotFoundError(`Run ${id} not found`);
    return lines;
  });

  app.post<Id>('/api/runs/:id/retry', async (request, reply) => {
    const runId = await runAccess(request, 'run:retry');
    const { stepId } = parseRetryBody(request.body);
    const retried = await retryRun(db, { runId, stepId }, { bus });
    return reply.status(201).header('location', `/api/runs/${retried.run_id}`).send({
      data: retried,
    });
  });

  app.post<Id>('/api/runs/:id/cancel', async (request) => ({
    data: await cancelRun(db, await runAccess(request, 'run:cancel'), { bus }),
  }));

  app.get<Id>('/api/dataclips/:id', async (request) => {
    const actor = requireActor(request);
    const id = pathId(request.params.id, 'Dataclip');
    const projectId = await projectOfDataclip(db, id);
    await authorizeResource(db, actor, projectId, 'dataclip:read', `Dataclip ${id} not found`);
    return found(await getDataclip(db, id), 'Dataclip', id);
  });
}
