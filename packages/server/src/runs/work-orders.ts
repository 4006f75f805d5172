// Creating work: a work order with its input dataclip and its first run, written by ONE statement
// (so by one transaction), and announced on the cluster bus only after it committed.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Bus } from '../cluster/index.js';
import { type Database, queryRows, schema } from '../db/index.js';

type DataclipType = (typeof schema.DATACLIP_TYPES)[number];
export type RunPriority = keyof typeof schema.RUN_PRIORITY;

/** A new dataclip to store with the work order, or an existing one (a retry, a saved input). */
export type WorkOrderDataclip =
  | { projectId: string; type: DataclipType; body: unknown; request?: unknown }
  | { id: string };

export interface CreateWorkOrderInput {
  workflowId: string;
  /** The workflow snapshot the run executes: editing the workflow later never changes it. */
  snapshotId: string;
  /** The trigger that created the work order (null for manual runs). */
  triggerId?: string | null;
  dataclip: WorkOrderDataclip;
  /** `immediate` for runs people start, `normal` (the default) otherwise. */
  priority?: RunPriority;
  /** `manual` for runs people start and synchronous webhooks, `default` (the default) otherwise. */
  queue?: string;
  /** Run options stored with the run (e.g. `{save_dataclips: false}`). */
  options?: Record<string, unknown>;
  startingTriggerId?: string | null;
  startingJobId?: string | null;
  createdById?: string | null;
}

export interface CreatedWorkOrder {
  workOrderId: string;
  runId: string;
  dataclipId: string;
}

export interface CreateWorkOrderDependencies {
  /** When given, `run_available` is published after the commit so idle workers claim at once. */
  bus?: Bus;
}

/**
 * Stores a work order, its input dataclip and its first run (`available`), atomically.
 *
 * @example
 * const { workOrderId } = await createWorkOrder(db, {
 *   workflowId, snapshotId, triggerId, startingTriggerId: triggerId,
 *   dataclip: { projectId, type: 'http_request', body, request },
 * }, { bus: context.bus });
 */
export async function createWorkOrder(
  db: Database,
  input: CreateWorkOrderInput,
  dependencies: CreateWorkOrderDependencies = {},
): Promise<CreatedWorkOrder> {
  const startingTriggerId = input.startingTriggerId ?? null;
  const startingJobId = input.startingJobId ?? null;
  if ((startingTriggerId === null) === (startingJobId === null)) {
    throw new TypeError('createWorkOrder needs exactly one of startingTriggerId and startingJobId');
  }
  const workOrderId = randomUUID();
  const runId = randomUUID();
  const newDataclip = 'projectId' in input.dataclip ? input.dataclip : null;
  const dataclipId = newDataclip ? randomUUID() : (input.dataclip as { id: string }).id;
  const priority = schema.RUN_PRIORITY[input.priority ?? 'normal'];
  const queue = input.queue ?? 'default';

  // One statement with data-modifying CTEs rather than three INSERTs in a transaction: the same
  // atomicity in one round trip instead of five (BEGIN, 3 × INSERT, COMMIT), which is most of the
  // cost of webhook ingestion. Foreign keys between the three rows are checked at the end of the
  // statement, when all of them exist. Ids are generated here so nothing needs RETURNING.
  const insertDataclip = newDataclip
    ? sql`inserted_dataclip AS (
        INSERT INTO dataclips (id, project_id, type, body, request)
        VALUES (${dataclipId}, ${newDataclip.projectId}, ${newDataclip.type},
                ${jsonParam(stripConfiguration(newDataclip.body))}::jsonb,
                ${jsonParam(newDataclip.request)}::jsonb)
      ),`
    : sql``;
  await queryRows(
    db,
    sql`WITH ${insertDataclip}
      inserted_work_order AS (
        INSERT INTO work_orders (id, workflow_id, snapshot_id, trigger_id, dataclip_id, state)
        VALUES (${workOrderId}, ${input.workflowId}, ${input.snapshotId}, ${input.triggerId ?? null},
                ${dataclipId}, 'pending')
      )
      INSERT INTO runs (id, work_order_id, workflow_id, snapshot_id, starting_trigger_id,
                        starting_job_id, created_by_id, dataclip_id, state, priority, queue, options)
      VALUES (${runId}, ${workOrderId}, ${input.workflowId}, ${input.snapshotId}, ${startingTriggerId},
              ${startingJobId}, ${input.createdById ?? null}, ${dataclipId}, 'available', ${priority},
              ${queue}, ${JSON.stringify(input.options ?? {})}::jsonb)`,
  );
  dependencies.bus?.publish({
    type: 'run_available',
    runId,
    workflowId: input.workflowId,
    queue,
  });
  return { workOrderId, runId, dataclipId };
}

/** JSON text for a jsonb parameter; `undefined` stores SQL NULL. */
function jsonParam(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/**
 * Lightning removes a top-level `configuration` key from stored bodies: it is where credentials
 * live in a job's state, and a dataclip must never hold a secret.
 */
export function stripConfiguration(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'configuration' in body) {
    const { configuration: _, ...rest } = body as Record<string, unknown>;
    return rest;
  }
  return body;
}
