// The cluster bus: events every server node must hear (a run became available, a run changed).
// In-process for now; with several nodes it is carried over PostgreSQL LISTEN/NOTIFY. It is only a
// wake-up hint: the database stays the source of truth, so a lost event delays, never loses, work.
import { EventEmitter } from 'node:events';

export type BusEvent =
  | { type: 'run_available'; runId: string; workflowId: string; queue: string }
  | { type: 'run_updated'; runId: string; workOrderId: string; state: string; workflowId?: string }
  | { type: 'work_order_updated'; workOrderId: string; workflowId: string; state: string }
  // Hints for the browsers watching a run (sockets/live.ts): a step started or finished, log
  // lines were stored. Ids only: watchers read the rows themselves.
  | { type: 'step_updated'; runId: string; stepId: string; state: string }
  | { type: 'run_logs'; runId: string }
  // A save of a workflow (a new lock_version), for editors that have it open.
  | { type: 'workflow_updated'; workflowId: string; lockVersion: number }
  // Workflows using these adaptors were saved (web, API or provisioning): a worker on this
  // machine installs them before a run needs them (workflows/saved-adaptors.ts).
  | { type: 'adaptors_saved'; projectId: string; adaptors: string[] };

export interface Bus {
  publish(event: BusEvent): void;
  subscribe(handler: (event: BusEvent) => void): () => void;
  close(): Promise<void>;
}

export function createLocalBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (event) => {
      emitter.emit('event', event);
    },
    subscribe: (handler) => {
      emitter.on('event', handler);
      return () => emitter.off('event', handler);
    },
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}
