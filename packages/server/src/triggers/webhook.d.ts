import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from '../cluster/index.js';
import { type Database } from '../db/index.js';
import type { createWorkOrder } from '../runs/index.js';
import type { Vault } from '../vault/index.js';
import { type RetryClock, type RetryPolicy } from './webhook-retry.js';
export interface WebhookDependencies {
  db: Database;
  vault: Vault;
  bus: Bus;
  logger: Logger;
  /** MAX_DATACLIP_SIZE_MB in bytes. */
  maxBodyBytes: number;
  retry: RetryPolicy;
  /** runs.createWorkOrder; a test passes a wrapper that fails to simulate a database outage. */
  createWorkOrder: typeof createWorkOrder;
  clock?: RetryClock;
}
export declare function registerWebhookRoutes(
  app: FastifyInstance,
  deps: WebhookDependencies,
): Promise<void>;
