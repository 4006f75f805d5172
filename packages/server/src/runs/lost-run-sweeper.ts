// Runs the lost-run sweep periodically on every node (the advisory lock inside makes one node do
// the work) and announces each lost run on the bus.
import type { Logger } from 'pino';
import type { Bus } from '../cluster/index.js';
import { startRepeatingTask } from '../cluster/repeating-task.js';
import type { Database } from '../db/index.js';
import type { ServerMetrics } from '../observability/index.js';
import { type LostRunOptions, markLostRuns } from './lost-runs.js';

export interface LostRunSweeperOptions extends Omit<LostRunOptions, 'now'> {
  db: Database;
  bus: Bus;
  logger: Logger;
  /** Counts the runs marked lost (`lightning_run_lost_count`). */
  metrics?: Pick<ServerMetrics, 'lostRuns'>;
  /** Between sweeps; default 30 s (Lightning's janitor runs every 5 minutes). */
  intervalMs?: number;
}

export interface LostRunSweeper {
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

export function startLostRunSweeper(options: LostRunSweeperOptions): LostRunSweeper {
  const intervalMs = options.intervalMs ?? 30_000;
  const sweep = async () => {
    try {
      const { runs } = await markLostRuns(options.db, options);
      if (runs.length > 0) options.metrics?.lostRuns.inc(runs.length);
      for (const run of runs) {
        options.logger.warn({ runId: run.id, errorType: run.errorType }, 'run marked lost');
        options.bus.publish({
          type: 'run_updated',
          runId: run.id,
          workOrderId: run.workOrderId,
          state: 'lost',
        });
      }
    } catch (error) {
      // A failed sweep (database restarting) is retried at the next tick; it must not kill the
      // process or stop the timer.
      options.logger.error({ err: error }, 'lost-run sweep failed');
    }
  };
  return startRepeatingTask({ round: sweep, intervalMs });
}
