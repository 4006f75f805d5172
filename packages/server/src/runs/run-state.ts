// Reading a run for an event, and keeping its work order's state in step with it.
import { sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { runAlreadyFinished, runNotFound } from './errors.js';

export type RunState = (typeof schema.RUN_STATES)[number];
const FINAL = new Set<string>(schema.FINAL_RUN_STATES);

export const isFinalState = (state: string) => FINAL.has(state);

export interface LockedRun extends Record<string, unknown> {
  id: string;
  state: RunState;
  work_order_id: string;
  workflow_id: string;
  snapshot_id: string;
  project_id: string;
  started_at: string | null;
  /** `last_event_at` is older than STAMP_INTERVAL_SECONDS (or unset): `touchRun` writes it. */
  stamp_due: boolean;
}

/**
 * `runs.last_event_at` is written at most this often per run, in the transaction of an event
 * already being stored (no commit of its own): the lost-run sweep allows for this much staleness.
 */
export const STAMP_INTERVAL_SECONDS = 5;

/** Notes that the run's worker was heard from, unless that was noted less than 5 s ago. */
export async function touchRun(tx: Database, run: LockedRun): Promise<void> {
  if (!run.stamp_due) return;
  await tx.execute(sql`UPDATE runs SET last_event_at = now() WHERE id = ${run.id}`);
}

/**
 * The run an event is about, locked for the event's transaction: `share` for events that add to
 * a run (steps, logs) so they may run side by side, `update` for those that change its state, so
 * a `run:complete` (or the lost-run sweep) waits for steps and logs in flight and vice versa.
 * Refuses unknown runs, and finished runs unless `allowFinished`. A `lost` run is not refused:
 * its worker was still running it after all, and its late events correct it (see completeRun).
 */
export async function lockRun(
  tx: Database,
  runId: string,
  mode: 'share' | 'update',
  { allowFinished = false } = {},
): Promise<LockedRun> {
  if (!isUuid(runId)) throw runNotFound();
  const lock = mode === 'share' ? sql`FOR SHARE OF r` : sql`FOR UPDATE OF r`;
  const [run] = await queryRows<LockedRun>(
    tx,
    sql`SELECT r.id, r.state, r.work_order_id, r.workflow_id, r.snapshot_id, r.started_at,
               w.project_id,
               (r.last_event_at IS NULL
                OR r.last_event_at < now() - make_interval(secs => ${STAMP_INTERVAL_SECONDS}))
                 AS stamp_due
        FROM runs r JOIN workflows w ON w.id = r.workflow_id
        WHERE r.id = ${runId}
        ${lock}`,
  );
  if (!run) throw runNotFound();
  if (!allowFinished && run.state !== 'lost' && isFinalState(run.state)) {
    throw runAlreadyFinished(run.state);
  }
  return run;
}

/**
 * A work order's state follows its runs (spec §6): another unfinished run of the same work order
 * wins (started → `running`, available/claimed → `pending`), otherwise the changed run's own state,
 * with available/claimed read as `pending` and started as `running`.
 */
export async function updateWorkOrderState(
  tx: Database,
  workOrderId: string,
  runId: string,
  runState: RunState,
): Promise<void> {
  const own =
    runState === 'available' || runState === 'claimed'
      ? 'pending'
      : runState === 'started'
        ? 'running'
        : runState;
  await tx.execute(sql`
    UPDATE work_orders wo
    SET state = CASE
          WHEN EXISTS (SELECT 1 FROM runs o WHERE o.work_order_id = wo.id AND o.id <> ${runId}
                         AND o.state = 'started') THEN 'running'
          WHEN EXISTS (SELECT 1 FROM runs o WHERE o.work_order_id = wo.id AND o.id <> ${runId}
                         AND o.state IN ('available', 'claimed')) THEN 'pending'
          ELSE ${own}
        END,
        last_activity = now(),
        updated_at = now()
    WHERE wo.id = ${workOrderId}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids from the wire are checked before they reach a uuid column (a cast error is not "not found"). */
export const isUuid = (value: string) => UUID.test(value);

/** A run's state, or null when there is no such run. */
export async function getRunState(db: Database, runId: string): Promise<RunState | null> {
  if (!isUuid(runId)) return null;
  const [run] = await queryRows<{ state: RunState }>(
    db,
    sql`SELECT state FROM runs WHERE id = ${runId}`,
  );
  return run?.state ?? null;
}
