import type { Logger } from 'pino';
import type { Bus } from '../cluster/index.js';
import { type DatabaseHandle } from '../db/index.js';
import type { createWorkOrder } from '../runs/index.js';
export interface CronSchedulerDependencies {
  database: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'>;
  bus: Bus;
  logger: Logger;
  createWorkOrder: typeof createWorkOrder;
  /** Milliseconds since the epoch; tests pass a clock to play minutes forward. */
  now?: () => number;
}
export interface CronFiring {
  triggerId: string;
  scheduledAt: Date;
  workOrderId: string;
}
export interface CronScheduler {
  /** Fires what is due at `now` (default: the clock). Returns what this call fired. */
  tick(now?: Date): Promise<CronFiring[]>;
  stop(): Promise<void>;
}
/** The latest time at or before `now` that `expression` schedules, or undefined. */
export declare function latestDueTime(expression: string, now: Date): Date | undefined;
/** Creates the scheduler; `start` begins ticking just after every minute. */
export declare function createCronScheduler(deps: CronSchedulerDependencies): CronScheduler & {
  start(): void;
};
