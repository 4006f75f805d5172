// The runs context: work orders, runs, steps, dataclips and log lines. Other contexts call these
// functions and never touch the tables themselves.

export {
  ANY_QUEUE,
  type ClaimedRun,
  type ClaimOptions,
  claim,
  DEFAULT_CLAIM_QUEUES,
  releaseClaimedRuns,
} from './claim.js';
export {
  type CreatedWorkOrder,
  type CreateWorkOrderDependencies,
  type CreateWorkOrderInput,
  createWorkOrder,
  type RunPriority,
  type WorkOrderDataclip,
} from './work-orders.js';
