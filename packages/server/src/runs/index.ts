// The runs context: work orders, runs, steps, dataclips and log lines, and the rules of claiming
// and losing runs. Other contexts call these functions and never touch the tables themselves.
export {
  ANY_QUEUE,
  type ClaimedRun,
  type ClaimOptions,
  claim,
  DEFAULT_CLAIM_QUEUES,
  releaseClaimedRuns,
} from './claim.js';
export { eventError, RunEventError } from './errors.js';
export { CREDENTIAL_NOT_FOUND, fetchRunCredential, fetchRunDataclip } from './fetches.js';
export { appendLogs, formatMessage } from './logs.js';
export { projectOfDataclip, projectOfRun, projectOfWorkOrder } from './lookup.js';
export {
  type LostRunSweeper,
  type LostRunSweeperOptions,
  startLostRunSweeper,
} from './lost-run-sweeper.js';
export { type LostRun, type LostRunOptions, type LostRunSweep, markLostRuns } from './lost-runs.js';
export { buildRunPlan, type PlanLimits, type RunPlan, runTimeoutMs } from './plan.js';
export { completeRun, type RunChange, startRun } from './run-lifecycle.js';
export { getRunState, isFinalState, type RunState } from './run-state.js';
export { completeStep, type StepLimits, startStep } from './steps.js';
export {
  type CreatedWorkOrder,
  type CreateWorkOrderDependencies,
  type CreateWorkOrderInput,
  createWorkOrder,
  type RunPriority,
  type WorkOrderDataclip,
} from './work-orders.js';

// The history side: listing, showing, retrying and cancelling work.

export { type CancelledRun, cancelRun } from './cancel.js';
export {
  getWorkOrder,
  listWorkOrders,
  type RunSummary,
  type WorkOrderFilter,
  type WorkOrderState,
  type WorkOrderSummary,
} from './history.js';
export {
  applyRetention,
  type RetentionCleaner,
  type RetentionCleanerOptions,
  type RetentionOptions,
  type RetentionSweep,
  startRetentionCleaner,
} from './retention.js';
export {
  BULK_RETRY_LIMIT,
  type BulkRetryOptions,
  type BulkRetryResult,
  type RetriedRun,
  type RetryInput,
  retryRun,
  retryWorkOrders,
} from './retry.js';
export { getDataclip, getRun, listLogLines } from './show.js';
export { summarizeProjectActivity, type WorkflowActivity } from './summary.js';
