// `run:start` and `run:complete`: a run's own state changes, each with its work order's.
import {
  finalStateForReason,
  type RunCompletePayload,
  type RunFinalState,
  type RunStartPayload,
} from '@lightning/protocol';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { eventError, runAlreadyFinished } from './errors.js';
import { lockRun, type RunState, updateWorkOrderState } from './run-state.js';
import { eventTime } from './timestamps.js';

export interface RunChange {
  runId: string;
  workOrderId: string;
  workflowId: string;
  state: RunState;
  /** False when the event repeated one already stored (acknowledged, nothing changed). */
  changed: boolean;
}

/**
 * claimed → started. A repeat for a run already started is acknowledged and changes nothing.
 *
 * @example
 * await startRun(db, runId, { timestamp: '1795729756567073' });
 */
export async function startRun(
  db: Database,
  runId: string,
  payload: RunStartPayload,
): Promise<RunChange> {
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const run = await lockRun(tx, runId, 'update');
    const change = {
      runId: run.id,
      workOrderId: run.work_order_id,
      workflowId: run.workflow_id,
      state: 'started' as const,
    };
    if (run.state === 'started') return { ...change, changed: false };
    if (run.state !== 'claimed')
      throw eventError('state', `cannot start a run that is ${run.state}`);
    await tx.execute(sql`UPDATE runs SET state = 'started', started_at = ${eventTime(payload.timestamp)}
                         WHERE id = ${run.id}`);
    await updateWorkOrderState(tx, run.work_order_id, run.id, 'started');
    return { ...change, changed: true };
  });
}

/**
 * claimed/started → the final state for the worker's reason (spec §6), then the work order's.
 * The same outcome reported again is acknowledged; a different one is refused.
 */
export async function completeRun(
  db: Database,
  runId: string,
  payload: RunCompletePayload,
): Promise<RunChange & { state: RunFinalState }> {
  const state = finalStateForReason(payload.reason);
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const run = await lockRun(tx, runId, 'update', { allowFinished: true });
    const change = {
      runId: run.id,
      workOrderId: run.work_order_id,
      workflowId: run.workflow_id,
      state,
    };
    if (run.state === state) return { ...change, changed: false };
    if (run.state !== 'claimed' && run.state !== 'started') {
      throw run.state === 'available'
        ? eventError('state', 'cannot complete a run that was never claimed')
        : runAlreadyFinished(run.state);
    }
    const finishedAt = eventTime(payload.timestamp);
    await tx.execute(sql`
      UPDATE runs
      SET state = ${state}, error_type = ${payload.error_type ?? null}, finished_at = ${finishedAt},
          -- A run that crashed before run:start still gets a start time, so durations read right.
          started_at = coalesce(started_at, ${finishedAt})
      WHERE id = ${run.id}`);
    await updateWorkOrderState(tx, run.work_order_id, run.id, state);
    return { ...change, changed: true };
  });
}
