import { createWorkOrder } from '../runs/index.js';
import { createCronScheduler } from './cron.js';
import { registerWebhookRoutes } from './webhook.js';
import { maxBodyBytes } from './webhook-body.js';
export async function registerTriggerRoutes(app, context) {
  await registerWebhookRoutes(app, {
    db: context.db,
    vault: context.vault,
    bus: context.bus,
    logger: context.logger,
    maxBodyBytes: maxBodyBytes(context.config.limits.maxDataclipSizeMb),
    retry: context.config.webhookRetry,
    createWorkOrder,
  });
  const scheduler = createCronScheduler({
    database: context.database,
    bus: context.bus,
    logger: context.logger,
    createWorkOrder,
  });
  app.addHook('onReady', async () => scheduler.start());
  app.addHook('onClose', async () => scheduler.stop());
}
//# sourceMappingURL=routes.js.map
