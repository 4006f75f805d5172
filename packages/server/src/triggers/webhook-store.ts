// Storing what a webhook request creates: its http_request dataclip, the work order and the first
// run, through runs.createWorkOrder (one statement, so one transaction). With an Idempotency-Key
// the key is recorded in the same transaction; a repeated key answers with the first work order.
import { and, eq } from 'drizzle-orm';
import type { Bus } from '../cluster/index.js';
import { type Database, schema } from '../db/index.js';
import type { CreatedWorkOrder, CreateWorkOrderInput, createWorkOrder } from '../runs/index.js';
import type { WebhookTarget } from '../workflows/index.js';

const { webhookIdempotencyKeys } = schema;

export interface HttpRequestMetadata {
  method: string;
  path: string[];
  query_params: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export interface StoreDependencies {
  db: Database;
  bus: Bus;
  /** runs.createWorkOrder, passed in so a test can put a failing database in its place. */
  createWorkOrder: typeof createWorkOrder;
}

export interface StoredWebhook {
  workOrderId: string;
  runId?: string;
  /** True when an earlier request with the same Idempotency-Key created the work order. */
  repeated: boolean;
}

class RepeatedKey extends Error {}

/** Stores the work order for one webhook request; call inside the retry (it is idempotent). */
export async function storeWebhookWorkOrder(
  deps: StoreDependencies,
  target: WebhookTarget,
  body: unknown,
  request: HttpRequestMetadata,
  idempotencyKey: string | undefined,
  run: Pick<CreateWorkOrderInput, 'priority' | 'queue'> = {},
): Promise<StoredWebhook> {
  const input: CreateWorkOrderInput = {
    workflowId: target.workflowId,
    snapshotId: target.snapshotId,
    triggerId: target.trigger.id,
    startingTriggerId: target.trigger.id,
    dataclip: { projectId: target.projectId, type: 'http_request', body, request },
    ...run,
  };
  if (idempotencyKey === undefined) {
    const created = await deps.createWorkOrder(deps.db, input, { bus: deps.bus });
    return { workOrderId: created.workOrderId, runId: created.runId, repeated: false };
  }

  const first = await findKey(deps.db, target.trigger.id, idempotencyKey);
  if (first) return { workOrderId: first, repeated: true };
  let created: CreatedWorkOrder;
  try {
    created = await deps.db.transaction(async (tx) => {
      const workOrder = await deps.createWorkOrder(tx, input);
      // Two requests racing with one key: the second insert waits for the first transaction and,
      // once it commits, conflicts; the second then rolls back its own work order.
      const claimed = await tx
        .insert(webhookIdempotencyKeys)
        .values({
          triggerId: target.trigger.id,
          key: idempotencyKey,
          workOrderId: workOrder.workOrderId,
        })
        .onConflictDoNothing()
        .returning({ workOrderId: webhookIdempotencyKeys.workOrderId });
      if (claimed.length === 0) throw new RepeatedKey();
      return workOrder;
    });
  } catch (error) {
    if (!(error instanceof RepeatedKey)) throw error;
    const winner = await findKey(deps.db, target.trigger.id, idempotencyKey);
    if (!winner) throw new Error('Idempotency key vanished after a conflict');
    return { workOrderId: winner, repeated: true };
  }
  // Announced only now, after the commit: a worker woken earlier could not have seen the run.
  deps.bus.publish({
    type: 'run_available',
    runId: created.runId,
    workflowId: target.workflowId,
    queue: input.queue ?? 'default',
  });
  return { workOrderId: created.workOrderId, runId: created.runId, repeated: false };
}

async function findKey(db: Database, triggerId: string, key: string): Promise<string | undefined> {
  const [row] = await db
    .select({ workOrderId: webhookIdempotencyKeys.workOrderId })
    .from(webhookIdempotencyKeys)
    .where(
      and(eq(webhookIdempotencyKeys.triggerId, triggerId), eq(webhookIdempotencyKeys.key, key)),
    );
  return row?.workOrderId;
}
