// The workflows context: workflows with their jobs, triggers and edges, immutable snapshots, and
// provisioning import/export. Other contexts use these functions, never the tables.
export { describeCronError, parseCronExpression } from './cron-expression.js';
export { describeProject, provisionProject, toYaml } from './provision.js';
export { getWorkflow, listWorkflows } from './read.js';
export { getCurrentSnapshot, getSnapshot, listSnapshots } from './snapshots.js';
export { parseWorkflowInput, validateWorkflowGraph } from './validation.js';
export {
  addWebhookAuthMethodToTrigger,
  createWebhookAuthMethod,
  findWebhookTarget,
  listEnabledCronTargets,
  listWebhookAuthMethods,
  removeWebhookAuthMethodFromTrigger,
} from './webhook-triggers.js';
export { createWorkflow, deleteWorkflow, updateWorkflow } from './workflows.js';
//# sourceMappingURL=index.js.map
