// Retrying: a new run on the same work order, pinned to the retried run's snapshot, queued
// `manual` at priority immediate (a person is waiting for it), as Lightning does. From a step:
// the run starts at that step's job with that step's input, and the steps of the earlier run that
// are not downstream of it are linked to the new run (they are not executed again).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Bus } from '../cluster/index.js';
import { type Database, queryRows, schema } from '../db/index.js';
import { NotFoundError, ValidationError } from '../http/errors.js';
import type { Cursor } from './cursor.js';
import { listWorkOrders, type WorkOrderFilter } from './history.js';
import { isUuid, updateWorkOrderState } from './run-state.js';

export interface RetryInput {
  runId: string;
  /** Retry from this step of the run; from the run's own start when absent. */
  stepId?: string;
  createdById?: string | null;
}

export interface RetriedRun {
  run_id: string;
  work_order_id: string;
}

interface RetriedRunRow extends Record<string, unknown> {
  id: string;
  work_order_id: string;
  workflow_id: string;
  snapshot_id: string;
  starting_trigger_id: string | null;
  starting_job_id: string | null;
  dataclip_id: string | null;
  options: Record<string, unknown>;
  edges: { source_job_id: string | null; target_job_id: string }[];
}

/**
 * Enqueues a retry of a run (from a step, or from its start). 404 for an unknown run; 422 when the
 * step is not one of the run's, or its input dataclip was wiped or deleted.
 *
 * @example
 * const { run_id } = await retryRun(db, { runId, stepId }, { bus: context.bus });
 */
export async function retryRun(
  db: Database,
  input: RetryInput,
  dependencies: { bus?: Bus } = {},
): Promise<RetriedRun> {
  if (!isUuid(input.runId)) throw new NotFoundError(`Run ${input.runId} not found`);
  const field = input.stepId === undefined ? 'run_id' : 'step_id';
  const retried = await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [run] = await queryRows<RetriedRunRow>(
      tx,
      sql`SELECT r.id, r.work_order_id, r.workflow_id, r.snapshot_id, r.starting_trigger_id,
                 r.starting_job_id, r.dataclip_id, r.options, ws.edges
          FROM runs r JOIN workflow_snapshots ws ON ws.id = r.snapshot_id
          WHERE r.id = ${input.runId}`,
    );
    if (!run) throw new NotFoundError(`Run ${input.runId} not found`);

    let startingTriggerId = run.starting_trigger_id;
    let startingJobId = run.starting_job_id;
    let dataclipId = run.dataclip_id;
    let keepJobs: Set<string> | null = null;
    if (input.stepId !== undefined) {
      const step = isUuid(input.stepId)
        ? (
            await queryRows<{ job_id: string; input_dataclip_id: string | null }>(
              tx,
              sql`SELECT s.job_id, s.input_dataclip_id
                  FROM run_steps rs JOIN steps s ON s.id = rs.step_id
                  WHERE rs.run_id = ${run.id} AND s.id = ${input.stepId}`,
            )
          )[0]
        : undefined;
      if (!step) {
        throw new ValidationError('Cannot retry from this step', {
          step_id: [`is not a step of run ${run.id}`],
        });
      }
      startingTriggerId = null;
      startingJobId = step.job_id;
      dataclipId = step.input_dataclip_id;
      keepJobs = notDownstreamOf(step.job_id, run.edges);
    }
    await assertInputAvailable(tx, dataclipId, field);
    await assertStartExists(tx, startingTriggerId, startingJobId, field);

    const runId = randomUUID();
    await tx.execute(sql`
      INSERT INTO runs (id, work_order_id, workflow_id, snapshot_id, starting_trigger_id,
                        starting_job_id, created_by_id, dataclip_id, state, priority, queue, options)
      VALUES (${runId}, ${run.work_order_id}, ${run.workflow_id}, ${run.snapshot_id},
              ${startingTriggerId}, ${startingJobId}, ${input.createdById ?? null}, ${dataclipId},
              'available', ${schema.RUN_PRIORITY.immediate}, 'manual',
              ${JSON.stringify(run.options ?? {})}::jsonb)`);
    if (keepJobs && keepJobs.size > 0) {
      // The earlier steps the retry does not execute again stay visible on the new run.
      await tx.execute(sql`
        INSERT INTO run_steps (run_id, step_id)
        SELECT ${runId}, rs.step_id
        FROM run_steps rs JOIN steps s ON s.id = rs.step_id
        WHERE rs.run_id = ${run.id}
          AND s.job_id IN (${sql.join(
            [...keepJobs].map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`);
    }
    await updateWorkOrderState(tx, run.work_order_id, runId, 'available');
    return { run_id: runId, work_order_id: run.work_order_id, workflow_id: run.workflow_id };
  });
  dependencies.bus?.publish({
    type: 'run_available',
    runId: retried.run_id,
    workflowId: retried.workflow_id,
    queue: 'manual',
  });
  return { run_id: retried.run_id, work_order_id: retried.work_order_id };
}

export interface BulkRetryResult {
  retried: RetriedRun[];
  /** Work orders that could not be retried, with the reason (e.g. a wiped input). */
  skipped: { work_order_id: string; error: string }[];
  /** Set when the limit was reached and more work orders match: pass it back to go on. */
  nextCursor: string | null;
}

/** Work orders one bulk retry call handles at most, so one HTTP request stays short. */
export const BULK_RETRY_LIMIT = 1000;

export interface BulkRetryOptions {
  createdById?: string | null;
  bus?: Bus;
  /** Work orders read per history query (default 100, as Lightning's RetryManyWorkOrdersJob). */
  batchSize?: number;
  /** At most this many work orders (default BULK_RETRY_LIMIT). */
  limit?: number;
  /** Go on after this cursor (a previous call's `nextCursor`, decoded). */
  after?: Cursor;
}

/**
 * Retries the work orders the filter selects from their start (each one's first run: its trigger
 * or job, input and snapshot), newest first, reading the set `batchSize` at a time along the
 * history index. Each work order is its own transaction, so one refused retry does not undo the
 * others.
 *
 * @example
 * let after; do { const r = await retryWorkOrders(db, { workflowId, states: ['failed'] }, { after });
 *   after = r.nextCursor ? decodeCursor(r.nextCursor) : undefined; } while (after);
 */
export async function retryWorkOrders(
  db: Database,
  filter: WorkOrderFilter,
  options: BulkRetryOptions = {},
): Promise<BulkRetryResult> {
  const result: BulkRetryResult = { retried: [], skipped: [], nextCursor: null };
  const limit = options.limit ?? BULK_RETRY_LIMIT;
  let after = options.after;
  let handled = 0;
  for (;;) {
    // Newest first by insertion: retried work orders change state but never move past the
    // cursor, so a state filter that no longer matches them cannot skip or repeat any.
    const pageSize = Math.min(options.batchSize ?? 100, limit - handled);
    const page = await listWorkOrders(db, filter, { pageSize, after });
    for (const workOrder of page.data) {
      handled++;
      const first = workOrder.runs[0];
      if (!first) {
        result.skipped.push({ work_order_id: workOrder.id, error: 'has no run to retry' });
        continue;
      }
      try {
        result.retried.push(
          await retryRun(
            db,
            { runId: first.id, createdById: options.createdById ?? null },
            { bus: options.bus },
          ),
        );
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const reasons = Object.values(error.errors).flat();
        result.skipped.push({ work_order_id: workOrder.id, error: reasons.join('; ') });
      }
    }
    const last = page.data.at(-1);
    if (!page.meta.next_cursor || !last) return result;
    if (handled >= limit) return { ...result, nextCursor: page.meta.next_cursor };
    after = { at: last.inserted_at, id: last.id };
  }
}

/** Jobs that are neither the given job nor reachable from it along the snapshot's edges. */
function notDownstreamOf(
  jobId: string,
  edges: { source_job_id: string | null; target_job_id: string }[],
): Set<string> {
  const downstream = new Set([jobId]);
  const queue = [jobId];
  while (queue.length > 0) {
    const source = queue.shift();
    for (const edge of edges) {
      if (edge.source_job_id === source && !downstream.has(edge.target_job_id)) {
        downstream.add(edge.target_job_id);
        queue.push(edge.target_job_id);
      }
    }
  }
  const keep = new Set<string>();
  for (const edge of edges) {
    for (const id of [edge.source_job_id, edge.target_job_id]) {
      if (id && !downstream.has(id)) keep.add(id);
    }
  }
  return keep;
}

async function assertInputAvailable(
  tx: Database,
  dataclipId: string | null,
  field: string,
): Promise<void> {
  const [dataclip] = dataclipId
    ? await queryRows<{ wiped_at: string | null }>(
        tx,
        sql`SELECT wiped_at::text FROM dataclips WHERE id = ${dataclipId}`,
      )
    : [];
  if (!dataclip) {
    throw new ValidationError('Cannot retry: the input dataclip no longer exists', {
      [field]: ['its input dataclip was deleted, so it cannot be retried'],
    });
  }
  if (dataclip.wiped_at !== null) {
    throw new ValidationError('Cannot retry: the input dataclip was wiped', {
      [field]: [
        `its input dataclip ${dataclipId} was wiped at ${dataclip.wiped_at} (data retention), so it cannot be retried`,
      ],
    });
  }
}

/** The starting job or trigger may have been deleted from the live workflow since. */
async function assertStartExists(
  tx: Database,
  triggerId: string | null,
  jobId: string | null,
  field: string,
): Promise<void> {
  const [found] = jobId
    ? await queryRows(tx, sql`SELECT 1 FROM jobs WHERE id = ${jobId}`)
    : triggerId
      ? await queryRows(tx, sql`SELECT 1 FROM triggers WHERE id = ${triggerId}`)
      : [];
  if (!found) {
    throw new ValidationError('Cannot retry: the starting job or trigger was deleted', {
      [field]: [`its starting ${jobId ? `job ${jobId}` : 'trigger'} no longer exists`],
    });
  }
}
