// The runs context: work orders, runs, steps, dataclips and log lines. Other contexts call these
// functions and never touch the tables themselves.
export {
  type CreatedWorkOrder,
  type CreateWorkOrderDependencies,
  type CreateWorkOrderInput,
  createWorkOrder,
  type RunPriority,
  type WorkOrderDataclip,
} from './work-orders.js';
