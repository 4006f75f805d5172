// Cancelling a run that no worker has claimed yet. Once claimed, the worker owns the run and only
// its own events (or the lost-run sweep) may finish it, so a later cancel is refused.
import { sql } from 'drizzle-orm';
import type { Bus } from '../cluster/index.js';
import { type Database, queryRows } from '../db/index.js';
import { ConflictError, NotFoundError } from '../http/errors.js';
import { getRunState, isUuid, updateWorkOrderState } from './run-state.js';

export interface CancelledRun {
  id: string;
  work_order_id: string;
  state: 'cancelled';
}

/**
 * `available` → `cancelled` (finished now); the work order follows. 404 for an unknown run, 409
 * naming the run's state otherwise.
 *
 * @example
 * await cancelRun(db, runId, { bus: context.bus });
 */
export async function cancelRun(
  db: Database,
  runId: string,
  dependencies: { bus?: Bus } = {},
): Promise<CancelledRun> {
  if (!isUuid(runId)) throw new NotFoundError(`Run ${runId} not found`);
  const cancelled = await db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    // The state test is in the UPDATE itself: if a claim holds the row, this waits for it and then
    // sees `claimed`, so a run is never both handed to a worker and cancelled. The claim skips a row
    // this holds (SKIP LOCKED) and never sees it again once it is cancelled.
    const [row] = await queryRows<{ work_order_id: string }>(
      tx,
      sql`UPDATE runs SET state = 'cancelled', finished_at = now()
          WHERE id = ${runId} AND state = 'available'
          RETURNING work_order_id`,
    );
    if (!row) return null;
    await updateWorkOrderState(tx, row.work_order_id, runId, 'cancelled');
    return { id: runId, work_order_id: row.work_order_id, state: 'cancelled' as const };
  });
  if (!cancelled) {
    const state = await getRunState(db, runId);
    if (!state) throw new NotFoundError(`Run ${runId} not found`);
    throw new ConflictError(
      `Run ${runId} is ${state}: only a run that is still available (not yet claimed by a worker) can be cancelled`,
      { state },
    );
  }
  dependencies.bus?.publish({
    type: 'run_updated',
    runId,
    workOrderId: cancelled.work_order_id,
    state: 'cancelled',
  });
  return cancelled;
}
