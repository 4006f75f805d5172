import type { Bus } from '../cluster/index.js';
import { type Database } from '../db/index.js';
import type { createWorkOrder } from '../runs/index.js';
import type { WebhookTarget } from '../workflows/index.js';
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
/** Stores the work order for one webhook request; call inside the retry (it is idempotent). */
export declare function storeWebhookWorkOrder(
  deps: StoreDependencies,
  target: WebhookTarget,
  body: unknown,
  request: HttpRequestMetadata,
  idempotencyKey: string | undefined,
): Promise<StoredWebhook>;
