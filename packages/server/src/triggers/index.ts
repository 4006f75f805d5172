// The triggers context: webhook ingestion and the cron scheduler (Kafka comes later).
export {
  type CronFiring,
  type CronScheduler,
  type CronSchedulerDependencies,
  createCronScheduler,
  latestDueTime,
} from './cron.js';
export { registerTriggerRoutes } from './routes.js';
export { registerWebhookRoutes, type WebhookDependencies } from './webhook.js';
export {
  baseDelay,
  jitteredDelay,
  plannedDelays,
  RetryExhaustedError,
  type RetryPolicy,
  withRetry,
} from './webhook-retry.js';
