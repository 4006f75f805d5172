// The lost-run sweep: runs claimed or started longer ago than their timeout plus
// RUN_GRACE_PERIOD_SECONDS, whose worker has also been silent for the grace period, will never
// hear from their worker again (it crashed, was killed, lost its network). They become `lost`,
// their open steps are closed as lost, and their work orders follow. Several server nodes may run
// the sweep; an advisory lock lets exactly one do the work.
//
// "Silent" is read from `runs.last_event_at`, stamped by the events of the run (at most every
// STAMP_INTERVAL_SECONDS, inside their own transactions): a run that finished executing on time
// but is still delivering a long log is alive, not lost. Should a run be marked lost and its
// worker report later after all, completeRun records the real outcome (the late-event
// correction).
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import { STAMP_INTERVAL_SECONDS, updateWorkOrderState } from './run-state.js';

/** Shared by every node: whoever holds it sweeps, the others skip this round. */
const LOST_RUNS_LOCK_ID = 7_420_312;

export interface LostRunOptions {
  /** WORKER_MAX_RUN_DURATION_SECONDS, for runs without their own `run_timeout_ms` option. */
  maxRunDurationSeconds: number;
  /** RUN_GRACE_PERIOD_SECONDS. */
  runGracePeriodSeconds: number;
  /** The clock; default now. */
  now?: Date;
}

export interface LostRun {
  id: string;
  workOrderId: string;
  workflowId: string;
  errorType: 'LostAfterClaim' | 'LostAfterStart';
}

export interface LostRunSweep {
  /** False when another node holds the lock and swept (or is sweeping) instead. */
  swept: boolean;
  runs: LostRun[];
}

/**
 * Marks overdue runs lost, in one transaction.
 *
 * @example
 * const { runs } = await markLostRuns(db, { maxRunDurationSeconds: 300, runGracePeriodSeconds: 10 });
 */
export async function markLostRuns(db: Database, options: LostRunOptions): Promise<LostRunSweep> {
  const now = (options.now ?? new Date()).toISOString();
  const defaultTimeoutMs = options.maxRunDurationSeconds * 1000;
  const graceMs = options.runGracePeriodSeconds * 1000;
  // Silence longer than the grace period, allowing for a stamp up to STAMP_INTERVAL_SECONDS old.
  const graceSeconds = options.runGracePeriodSeconds + STAMP_INTERVAL_SECONDS;
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    // The _xact_ variant is released with the transaction: a node that dies mid-sweep cannot
    // leave the lock held.
    const [lock] = await queryRows<{ locked: boolean }>(
      tx,
      sql`SELECT pg_try_advisory_xact_lock(${LOST_RUNS_LOCK_ID}) AS locked`,
    );
    if (!lock?.locked) return { swept: false, runs: [] };
    const rows = await queryRows<{
      id: string;
      work_order_id: string;
      workflow_id: string;
      error_type: LostRun['errorType'];
    }>(
      tx,
      sql`
      WITH overdue AS (
        -- In-flight runs only (runs_in_flight_index), whatever the history's size. SKIP LOCKED:
        -- a run whose event is being stored right now is alive, not lost.
        SELECT id
        FROM runs
        WHERE state IN ('claimed', 'started')
          AND coalesce(started_at, claimed_at)
              + make_interval(secs => (
                  CASE WHEN jsonb_typeof(options->'run_timeout_ms') = 'number'
                       THEN (options->>'run_timeout_ms')::numeric
                       ELSE ${defaultTimeoutMs} END + ${graceMs}) / 1000.0)
              < ${now}::timestamptz
          AND coalesce(last_event_at, started_at, claimed_at)
              + make_interval(secs => ${graceSeconds}) < ${now}::timestamptz
        FOR UPDATE SKIP LOCKED
      ),
      marked AS (
        UPDATE runs r
        SET state = 'lost',
            error_type = CASE WHEN r.started_at IS NULL THEN 'LostAfterClaim'
                              ELSE 'LostAfterStart' END,
            finished_at = ${now}
        FROM overdue
        WHERE r.id = overdue.id
        RETURNING r.id, r.work_order_id, r.workflow_id, r.error_type
      ),
      closed_steps AS (
        UPDATE steps s
        SET exit_reason = 'lost', finished_at = ${now}
        FROM run_steps rs
        JOIN marked m ON m.id = rs.run_id
        WHERE s.id = rs.step_id AND s.finished_at IS NULL
        RETURNING s.id
      )
      SELECT id, work_order_id, workflow_id, error_type FROM marked`,
    );
    for (const row of rows) {
      await updateWorkOrderState(tx, row.work_order_id, row.id, 'lost');
    }
    return {
      swept: true,
      runs: rows.map((row) => ({
        id: row.id,
        workOrderId: row.work_order_id,
        workflowId: row.workflow_id,
        errorType: row.error_type,
      })),
    };
  });
}
