// `POST /api/workflows/:id/runs`: run one job of a saved workflow with a given input (the editor's
// "Run" button). Authorized as `run:create` on the workflow's project before the body is read.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { emptyFieldErrors, HttpError, NotFoundError } from '../http/errors.js';
import { authorize } from '../projects/policy.js';
import { createManualRun, workflowProject } from './manual.js';

const body = z
  .strictObject({
    job_id: z.guid('must be a UUID'),
    /** The input state as JSON (any value; `{}` when neither this nor dataclip_id is given). */
    body: z.unknown().optional(),
    dataclip_id: z.guid('must be a UUID').optional(),
  })
  .refine((value) => !(value.body !== undefined && value.dataclip_id), {
    message: 'give either body or dataclip_id, not both',
    path: ['dataclip_id'],
  });

export async function registerManualRunRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, bus } = context;
  app.post<{ Params: { id: string } }>('/api/workflows/:id/runs', async (request, reply) => {
    const actor = requireActor(request);
    const workflowId = request.params.id;
    if (!z.guid().safeParse(workflowId).success) {
      throw new NotFoundError(`Workflow ${workflowId} not found`);
    }
    await authorize(db, actor, await workflowProject(db, workflowId), 'run:create');
    const parsed = body.safeParse(request.body ?? {});
    if (!parsed.success) {
      const errors: Record<string, string[]> = emptyFieldErrors();
      for (const issue of parsed.error.issues) {
        const keys =
          issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path[0] ?? '(body)')];
        for (const key of keys) {
          errors[key] ??= [];
          errors[key].push(
            issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
          );
        }
      }
      throw new HttpError(400, 'The manual run is malformed', { errors });
    }
    const created = await createManualRun(
      db,
      {
        workflowId,
        jobId: parsed.data.job_id,
        body: parsed.data.body,
        dataclipId: parsed.data.dataclip_id,
        createdById: actor.user.id,
      },
      { bus },
    );
    return reply
      .status(201)
      .header('location', `/api/runs/${created.runId}`)
      .send({
        data: {
          run_id: created.runId,
          work_order_id: created.workOrderId,
          dataclip_id: created.dataclipId,
        },
      });
  });
}
