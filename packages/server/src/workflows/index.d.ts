export { describeCronError, parseCronExpression } from './cron-expression.js';
export { describeProject, type ProjectDocument, provisionProject, toYaml } from './provision.js';
export { getWorkflow, type ListWorkflowsOptions, listWorkflows } from './read.js';
export { getCurrentSnapshot, getSnapshot, listSnapshots } from './snapshots.js';
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
  listEnabledCronTargets,
  listWebhookAuthMethods,
  removeWebhookAuthMethodFromTrigger,
  type WebhookAuthMethod,
  type WebhookAuthMethodInput,
  type WebhookAuthSecret,
  type WebhookTarget,
} from './webhook-triggers.js';
export { createWorkflow, deleteWorkflow, updateWorkflow } from './workflows.js';
