// Manual runs: someone starts one job of a saved workflow with an input they typed (or a dataclip
// they picked). A work order like any other, on the `manual` queue at immediate priority, executing
// the workflow as last saved (its current snapshot).
import { sql } from 'drizzle-orm';
import type { Bus } from '../cluster/index.js';
import { type Database, queryRows } from '../db/index.js';
import { NotFoundError, ValidationError } from '../http/errors.js';
import { getCurrentSnapshot } from '../workflows/index.js';
import { type CreatedWorkOrder, createWorkOrder } from './work-orders.js';

export interface ManualRunInput {
  workflowId: string;
  jobId: string;
  /** The input: a new `saved_input` dataclip with this body … */
  body?: unknown;
  /** … or an existing dataclip of the same project. */
  dataclipId?: string;
  createdById: string;
}

/** The project of a live (not deleted) workflow, or 404. */
export async function workflowProject(db: Database, workflowId: string): Promise<string> {
  const [row] = await queryRows<{ project_id: string }>(
    db,
    sql`SELECT project_id FROM workflows WHERE id = ${workflowId} AND deleted_at IS NULL`,
  );
  if (!row) throw new NotFoundError(`Workflow ${workflowId} not found`);
  return row.project_id;
}

/**
 * Queues a run of `jobId` with the given input; 422 naming `job_id` or `dataclip_id` when they are
 * not of this workflow (as saved) or project.
 *
 * @example
 * await createManualRun(db, { workflowId, jobId, body: { data: {} }, createdById: user.id }, { bus });
 */
export async function createManualRun(
  db: Database,
  input: ManualRunInput,
  dependencies: { bus?: Bus } = {},
): Promise<CreatedWorkOrder> {
  const projectId = await workflowProject(db, input.workflowId);
  const snapshot = await getCurrentSnapshot(db, input.workflowId);
  if (!snapshot.jobs.some((job) => job.id === input.jobId)) {
    throw new ValidationError('The job cannot be run', {
      job_id: ['is not a job of the saved workflow (save the workflow first)'],
    });
  }
  let dataclip: { id: string } | { projectId: string; type: 'saved_input'; body: unknown };
  if (input.dataclipId) {
    const [row] = await queryRows<{ project_id: string; wiped: boolean }>(
      db,
      sql`SELECT project_id, wiped_at IS NOT NULL AS wiped FROM dataclips WHERE id = ${input.dataclipId}`,
    );
    if (!row || row.project_id !== projectId) {
      throw new ValidationError('The input cannot be used', {
        dataclip_id: ['is not a dataclip of this project'],
      });
    }
    if (row.wiped) {
      throw new ValidationError('The input cannot be used', {
        dataclip_id: ['was wiped (data retention): pick another input'],
      });
    }
    dataclip = { id: input.dataclipId };
  } else {
    dataclip = { projectId, type: 'saved_input', body: input.body ?? {} };
  }
  return createWorkOrder(
    db,
    {
      workflowId: input.workflowId,
      snapshotId: snapshot.id,
      startingJobId: input.jobId,
      dataclip,
      priority: 'immediate',
      queue: 'manual',
      createdById: input.createdById,
    },
    dependencies,
  );
}
