// Data retention: each project's `history_retention_period` (days) deletes work orders whose last
// activity is older, with their runs, steps and log lines; `dataclip_retention_period` (days) wipes
// the bodies of older dataclips (body and request become NULL, wiped_at is set; the row stays so
// the history still says what there was). Both go in small batches, each its own short
// transaction: deletes touch only finished work, never the `available` runs the claim reads, and
// no batch holds locks long enough to stall webhook ingestion or the claim.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { startRepeatingTask } from '../cluster/repeating-task.js';
import { type Database, executeCount, queryRows } from '../db/index.js';

/** Shared by every node: whoever holds it cleans, the others skip the round. */
const RETENTION_LOCK_ID = 7_420_313;

export interface RetentionOptions {
  /** Rows per batch (default 500). */
  batchSize?: number;
  /** The clock; default now. */
  now?: Date;
}

export interface RetentionSweep {
  /** False when another node holds the lock (and cleans instead). */
  swept: boolean;
  deletedWorkOrders: number;
  wipedDataclips: number;
}

/**
 * One cleanup round over every project with a retention period.
 *
 * @example
 * const { deletedWorkOrders, wipedDataclips } = await applyRetention(db);
 */
export async function applyRetention(
  db: Database,
  options: RetentionOptions = {},
): Promise<RetentionSweep> {
  const batchSize = options.batchSize ?? 500;
  const now = (options.now ?? new Date()).toISOString();
  const result: RetentionSweep = { swept: true, deletedWorkOrders: 0, wipedDataclips: 0 };
  const projects = await queryRows<{
    id: string;
    history_retention_period: number | null;
    dataclip_retention_period: number | null;
  }>(
    db,
    sql`SELECT id, history_retention_period, dataclip_retention_period FROM projects
        WHERE history_retention_period IS NOT NULL OR dataclip_retention_period IS NOT NULL`,
  );
  for (const project of projects) {
    if (project.history_retention_period !== null) {
      const cutoff = sql`${now}::timestamptz - make_interval(days => ${project.history_retention_period}::int)`;
      for (;;) {
        const deleted = await inBatch(db, (tx) =>
          deleteWorkOrderBatch(tx, project.id, cutoff, batchSize),
        );
        if (deleted === null) return { ...result, swept: false };
        result.deletedWorkOrders += deleted;
        if (deleted < batchSize) break;
      }
    }
    if (project.dataclip_retention_period !== null) {
      const cutoff = sql`${now}::timestamptz - make_interval(days => ${project.dataclip_retention_period}::int)`;
      for (;;) {
        const wiped = await inBatch(db, (tx) =>
          wipeDataclipBatch(tx, project.id, cutoff, batchSize),
        );
        if (wiped === null) return { ...result, swept: false };
        result.wipedDataclips += wiped;
        if (wiped < batchSize) break;
      }
    }
  }
  return result;
}

/**
 * One short transaction holding the cluster-wide lock: the _xact_ variant is released at commit,
 * so a node that dies mid-round leaves nothing held, and between batches another node may take
 * over (the work is idempotent). Null when another node holds it.
 */
async function inBatch(
  db: Database,
  batch: (tx: Database) => Promise<number>,
): Promise<number | null> {
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [lock] = await queryRows<{ locked: boolean }>(
      tx,
      sql`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_ID}) AS locked`,
    );
    if (!lock?.locked) return null;
    return batch(tx);
  });
}

/**
 * Expired work orders of one project that have nothing in flight (pending/running work orders
 * are kept whatever their age). Runs, run_steps and log lines go by ON DELETE CASCADE; steps are
 * linked through run_steps only, so they are deleted here first. Every foreign key these deletes
 * cascade along is indexed (runs.work_order_id, run_steps, log_lines.run_id, run_steps.step_id,
 * cron_trigger_firings.work_order_id), so a batch costs index lookups, never table scans. Dataclip rows are kept (their
 * bodies go by the dataclip period): deleting them would make PostgreSQL check four unindexed
 * foreign keys per row.
 */
async function deleteWorkOrderBatch(
  tx: Database,
  projectId: string,
  cutoff: ReturnType<typeof sql>,
  batchSize: number,
): Promise<number> {
  // Read along work_orders_workflow_id_last_activity_index, per workflow of the project.
  // SKIP LOCKED: a work order a retry or a run event is updating right now is left for next time.
  const ids = await queryRows<{ id: string }>(
    tx,
    sql`SELECT wo.id FROM work_orders wo
        WHERE wo.workflow_id IN (SELECT id FROM workflows WHERE project_id = ${projectId})
          AND wo.last_activity < ${cutoff}
          AND wo.state NOT IN ('pending', 'running')
        LIMIT ${batchSize}
        FOR UPDATE OF wo SKIP LOCKED`,
  );
  if (ids.length === 0) return 0;
  const list = sql.join(
    ids.map((row) => sql`${row.id}::uuid`),
    sql`, `,
  );
  await tx.execute(sql`
    DELETE FROM steps WHERE id IN (
      SELECT rs.step_id FROM run_steps rs JOIN runs r ON r.id = rs.run_id
      WHERE r.work_order_id IN (${list}))`);
  return executeCount(tx, sql`DELETE FROM work_orders WHERE id IN (${list})`);
}

/** Expired, not yet wiped dataclips of one project (dataclips_unwiped_project_id_inserted_at_index). */
async function wipeDataclipBatch(
  tx: Database,
  projectId: string,
  cutoff: ReturnType<typeof sql>,
  batchSize: number,
): Promise<number> {
  return executeCount(
    tx,
    sql`UPDATE dataclips SET body = NULL, request = NULL, wiped_at = now(), updated_at = now()
        WHERE id IN (
          SELECT id FROM dataclips
          WHERE project_id = ${projectId} AND wiped_at IS NULL AND inserted_at < ${cutoff}
          LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED)`,
  );
}

export interface RetentionCleanerOptions extends RetentionOptions {
  db: Database;
  logger: Logger;
  /** Between rounds; default one hour (the work is idempotent, a round with nothing expired is cheap). */
  intervalMs?: number;
  /** Before the first round; default one minute, so a node that restarts often still cleans. */
  initialDelayMs?: number;
}

export interface RetentionCleaner {
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

/** Runs `applyRetention` periodically on every node; the advisory lock makes one of them clean. */
export function startRetentionCleaner(options: RetentionCleanerOptions): RetentionCleaner {
  const intervalMs = options.intervalMs ?? 3_600_000;
  const round = async () => {
    try {
      const sweep = await applyRetention(options.db, { batchSize: options.batchSize });
      if (sweep.deletedWorkOrders > 0 || sweep.wipedDataclips > 0) {
        options.logger.info(sweep, 'retention: expired history removed');
      }
    } catch (error) {
      // Retried next round; a failing cleanup must not stop the timer or the process.
      options.logger.error({ err: error }, 'retention cleanup failed');
    }
  };
  return startRepeatingTask({
    round,
    intervalMs,
    initialDelayMs: options.initialDelayMs ?? 60_000,
  });
}
