// HTTP routes of the triggers context: webhook ingestion at /i/….
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../http/context.js';
import { createWorkOrder } from '../runs/index.js';
import { registerWebhookRoutes } from './webhook.js';
import { maxBodyBytes } from './webhook-body.js';

export async function registerTriggerRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  await registerWebhookRoutes(app, {
    db: context.db,
    vault: context.vault,
    bus: context.bus,
    logger: context.logger,
    maxBodyBytes: maxBodyBytes(context.config.limits.maxDataclipSizeMb),
    retry: context.config.webhookRetry,
    createWorkOrder,
  });
}
