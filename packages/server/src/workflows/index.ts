// The workflows context: workflows with their jobs, triggers and edges, immutable snapshots, and
// provisioning import/export. Other contexts use these functions, never the tables.
export { describeCronError, parseCronExpression } from './cron-expression.js';
export type { KafkaConfiguration, KafkaSasl } from './kafka-configuration.js';
export {
  projectOfJob,
  projectOfTrigger,
  projectOfWebhookAuthMethod,
  projectOfWorkflow,
} from './lookup.js';
export { type Page, type PageRequest, parsePageRequest } from './pagination.js';
export { describeProject, type ProjectDocument, provisionProject, toYaml } from './provision.js';
export {
  getJob,
  getWorkflow,
  type JobWithWorkflow,
  type ListWorkflowsOptions,
  listJobs,
  listJobsPage,
  listWorkflows,
  listWorkflowsPage,
} from './read.js';
export { adaptorsOf, announceSavedAdaptors, listRecentAdaptors } from './saved-adaptors.js';
export { currentSnapshotIds, getCurrentSnapshot, getSnapshot, listSnapshots } from './snapshots.js';
export type {
  Edge,
  FieldErrors,
  Job,
  Snapshot,
  Trigger,
  Workflow,
  WorkflowGraph,
} from './types.js';
export { parseWorkflowInput, validateWorkflowGraph, type WorkflowInput } from './validation.js';
export {
  addWebhookAuthMethodToTrigger,
  type CronTarget,
  createWebhookAuthMethod,
  findWebhookTarget,
  type KafkaTarget,
  listEnabledCronTargets,
  listEnabledKafkaTargets,
  listWebhookAuthMethods,
  removeWebhookAuthMethodFromTrigger,
  type WebhookAuthMethod,
  type WebhookAuthMethodInput,
  type WebhookAuthSecret,
  type WebhookTarget,
} from './webhook-triggers.js';
export { createWorkflow, deleteWorkflow, updateWorkflow } from './workflows.js';
