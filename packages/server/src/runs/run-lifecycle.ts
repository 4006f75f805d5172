// `run:start` and `run:complete`: a run's own state changes, each with its work order's.
import {
  finalStateForReason,
  type RunCompletePayload,
  type RunFinalState,
  type RunStartPayload,
} from '@lightning/protocol';
import { sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, queryRows, schema } from '../db/index.js';
import { eventError, runAlreadyFinished } from './errors.js';
import { type LockedRun, lockRun, type RunState, updateWorkOrderState } from './run-state.js';
import { eventTime } from './timestamps.js';

export interface RunChange {
  runId: string;
  workOrderId: string;
  workflowId: string;
  state: RunState;
  /** False when the event repeated one already stored (acknowledged, nothing changed). */
  changed: boolean;
  /** `run:start` only: milliseconds from the run's insertion to its start (the queue delay). */
  queueDelayMs?: number;
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
    const change: RunChange = {
      runId: run.id,
      workOrderId: run.work_order_id,
      workflowId: run.workflow_id,
      state: 'started',
      changed: false,
    };
    if (run.state === 'started') return { ...change, changed: false };
    if (run.state === 'lost') {
      // Marked lost before its worker could start it: the run stays lost until its worker
      // reports how it ended (completeRun corrects it then), but its start time is kept.
      await tx.execute(sql`UPDATE runs
                           SET started_at = coalesce(started_at, ${eventTime(payload.timestamp)}),
                               last_event_at = now()
                           WHERE id = ${run.id}`);
      return { ...change, state: 'lost' as const, changed: false };
    }
    if (run.state !== 'claimed')
      throw eventError('state', `cannot start a run that is ${run.state}`);
    const [started] = await queryRows<{ queue_delay_ms: string }>(
      tx,
      sql`UPDATE runs
          SET state = 'started', started_at = ${eventTime(payload.timestamp)},
              last_event_at = now()
          WHERE id = ${run.id}
          RETURNING extract(epoch FROM started_at - inserted_at) * 1000 AS queue_delay_ms`,
    );
    await updateWorkOrderState(tx, run.work_order_id, run.id, 'started');
    return { ...change, changed: true, queueDelayMs: Number(started?.queue_delay_ms ?? 0) };
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
    if (run.state === 'lost') {
      await correctLostRun(tx, run, state, payload);
      return { ...change, changed: true };
    }
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

/**
 * The late-event correction (Lightning #3561/#4565): the sweep marked the run `lost` while its
 * worker was still at it, and now the worker reports how it really ended. The run takes that
 * outcome; `lost_at` keeps when it had been marked lost, a log line in the run says what
 * happened, and the project's audit trail records the change (`late_event_correction`).
 */
async function correctLostRun(
  tx: Database,
  run: LockedRun,
  state: RunFinalState,
  payload: RunCompletePayload,
): Promise<void> {
  const finishedAt = eventTime(payload.timestamp);
  const [before] = await queryRows<{ error_type: string | null; lost_at: string }>(
    tx,
    sql`SELECT r.error_type, to_char(r.finished_at AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS lost_at
        FROM runs r WHERE r.id = ${run.id}`,
  );
  await tx.execute(sql`
    UPDATE runs
    SET state = ${state}, error_type = ${payload.error_type ?? null},
        lost_at = coalesce(lost_at, finished_at), finished_at = ${finishedAt},
        started_at = coalesce(started_at, ${finishedAt})
    WHERE id = ${run.id}`);
  await tx.insert(schema.logLines).values({
    runId: run.id,
    source: 'LTN',
    level: 'warn',
    message: `This run was marked lost at ${before?.lost_at} (${before?.error_type ?? 'lost'}) while its worker was still running it; the worker has since reported that it ended as ${state}, which is now its state.`,
    timestamp: finishedAt,
  });
  await updateWorkOrderState(tx, run.work_order_id, run.id, state);
  await recordAuditEvent(tx, {
    event: 'late_event_correction',
    itemType: 'run',
    itemId: run.id,
    actorType: 'system',
    projectId: run.project_id,
    changes: {
      before: { state: 'lost', error_type: before?.error_type ?? null, lost_at: before?.lost_at },
      after: { state, error_type: payload.error_type ?? null },
    },
  });
}
