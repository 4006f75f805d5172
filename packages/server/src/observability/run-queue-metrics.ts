// The run-queue gauges Lightning's PromEx plugin polls (available, stalled, finalised, average
// claim delay and, when PROMEX_EXPENSIVE_METRICS_ENABLED, impeded projects), computed every
// METRICS_RUN_QUEUE_AGE_SECONDS by ONE node for the whole cluster.
//
// Why one node: with N server nodes, N nodes running the same counts every 5 s is N times the
// load for the same numbers. Each period, every node opens a transaction on the single
// `metrics_snapshots` row of these gauges. The first to find it due (older than 90 % of a period)
// locks it, computes and stores the values; the others skip the locked row (SKIP LOCKED, never
// wait) or find it fresh, and expose the stored values. So every node's /metrics shows the same
// numbers, at most one period old, and a node that dies simply stops winning the row.
//
// Why the queries stay cheap at a million runs (bench/run-queue-metrics.js measures them): each
// reads an index of the queue or of the recent minutes, never the history —
//   available, stalled   the partial index of available runs (runs_available_index)
//   finalised            runs_finished_at_index, the last period's finishes only
//   claim average        runs_available_index + runs_inserted_at_index (the last
//                        METRICS_RUN_PERFORMANCE_AGE_SECONDS of insertions)
//   impeded projects     available runs older than the threshold (partial index) joined to the
//                        in-flight runs (runs_in_flight_index): it reads the queue, not history.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { startRepeatingTask } from '../cluster/repeating-task.js';
import { type Database, queryRows } from '../db/index.js';
import type { ServerMetrics } from './metrics.js';

export interface RunQueueMetricsOptions {
  /** METRICS_RUN_QUEUE_AGE_SECONDS: the polling period, also the finalised count's window. */
  periodSeconds: number;
  /** METRICS_STALLED_RUN_THRESHOLD_SECONDS. */
  stalledRunThresholdSeconds: number;
  /** METRICS_RUN_PERFORMANCE_AGE_SECONDS: the claim average's window. */
  runPerformanceAgeSeconds: number;
  /** METRICS_UNCLAIMED_RUN_THRESHOLD_SECONDS (impeded projects). */
  unclaimedRunThresholdSeconds: number;
  /** PROMEX_EXPENSIVE_METRICS_ENABLED: also count impeded projects. */
  expensiveMetrics: boolean;
}

export interface RunQueueValues {
  available: number;
  stalled: number;
  finalised: number;
  claimAverageDurationMs: number;
  /** Only with PROMEX_EXPENSIVE_METRICS_ENABLED. */
  impededProjects?: number;
}

/**
 * Counts the queue, as of the database's clock.
 *
 * @example
 * const values = await computeRunQueueValues(db, { periodSeconds: 5, ... });
 */
export async function computeRunQueueValues(
  db: Database,
  options: RunQueueMetricsOptions,
): Promise<RunQueueValues> {
  const [row] = await queryRows<{
    available: string;
    stalled: string;
    finalised: string;
    claim_average_ms: string | null;
  }>(
    db,
    sql`
    SELECT
      (SELECT count(*) FROM runs WHERE state = 'available') AS available,
      (SELECT count(*) FROM runs
        WHERE state = 'available'
          AND inserted_at < now() - make_interval(secs => ${options.stalledRunThresholdSeconds})
      ) AS stalled,
      (SELECT count(*) FROM runs
        WHERE finished_at > now() - make_interval(secs => ${options.periodSeconds})
          AND state IN ('success', 'failed', 'crashed', 'cancelled', 'killed', 'exception', 'lost')
      ) AS finalised,
      -- As Lightning: runs still waiting count with their wait so far, recent runs that left the
      -- queue with their wait until claimed (a run cancelled before any claim has no claimed_at
      -- and is left out by avg).
      (SELECT round(avg(waited_ms)) FROM (
          SELECT extract(epoch FROM now() - inserted_at) * 1000 AS waited_ms
          FROM runs WHERE state = 'available'
          UNION ALL
          SELECT extract(epoch FROM claimed_at - inserted_at) * 1000
          FROM runs
          WHERE inserted_at > now() - make_interval(secs => ${options.runPerformanceAgeSeconds})
            AND state <> 'available'
        ) waits
      ) AS claim_average_ms`,
  );
  const values: RunQueueValues = {
    available: Number(row?.available ?? 0),
    stalled: Number(row?.stalled ?? 0),
    finalised: Number(row?.finalised ?? 0),
    claimAverageDurationMs: Number(row?.claim_average_ms ?? 0),
  };
  if (options.expensiveMetrics) {
    values.impededProjects = await countImpededProjects(db, options.unclaimedRunThresholdSeconds);
  }
  return values;
}

/**
 * Projects with runs waiting longer than the threshold although neither the project's nor one of
 * the waiting workflows' concurrency limits hold them back: they wait for worker capacity.
 */
async function countImpededProjects(db: Database, thresholdSeconds: number): Promise<number> {
  const [row] = await queryRows<{ count: string }>(
    db,
    sql`
    WITH waiting AS (
      SELECT DISTINCT workflow_id FROM runs
      WHERE state = 'available'
        AND inserted_at <= now() - make_interval(secs => ${thresholdSeconds})
    ),
    in_flight AS (
      SELECT workflow_id, count(*) AS runs FROM runs
      WHERE state IN ('claimed', 'started') AND workflow_id IN (SELECT workflow_id FROM waiting)
      GROUP BY workflow_id
    ),
    per_workflow AS (
      SELECT w.project_id, w.concurrency AS workflow_limit, p.concurrency AS project_limit,
             coalesce(f.runs, 0) AS in_flight
      FROM waiting
      JOIN workflows w ON w.id = waiting.workflow_id
      JOIN projects p ON p.id = w.project_id
      LEFT JOIN in_flight f ON f.workflow_id = waiting.workflow_id
    )
    SELECT count(*) AS count FROM (
      SELECT project_id FROM per_workflow
      GROUP BY project_id
      HAVING bool_or(workflow_limit IS NULL OR in_flight < workflow_limit)
         AND (max(project_limit) IS NULL OR sum(in_flight) < max(project_limit))
    ) impeded`,
  );
  return Number(row?.count ?? 0);
}

const SNAPSHOT_NAME = 'run_queue';

export interface RunQueueRound {
  /** True when this node computed the values; false when it took another node's. */
  computed: boolean;
  /** Undefined when another node was computing at that moment (the gauges keep their values). */
  values?: RunQueueValues;
}

/**
 * One round: computes the values if they are due and no other node is computing them, otherwise
 * reads the values another node stored.
 */
export async function refreshRunQueueValues(
  db: Database,
  nodeName: string,
  options: RunQueueMetricsOptions,
): Promise<RunQueueRound> {
  // The first round ever creates the row, already due.
  await db.execute(sql`
    INSERT INTO metrics_snapshots (name, computed_at, computed_by, values)
    VALUES (${SNAPSHOT_NAME}, '-infinity', ${nodeName}, '{}')
    ON CONFLICT (name) DO NOTHING`);
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [row] = await queryRows<{ values: RunQueueValues; due: boolean }>(
      tx,
      sql`
      SELECT values,
             computed_at < now() - make_interval(secs => ${options.periodSeconds * 0.9}) AS due
      FROM metrics_snapshots WHERE name = ${SNAPSHOT_NAME}
      FOR UPDATE SKIP LOCKED`,
    );
    if (!row) return { computed: false };
    if (!row.due) return { computed: false, values: row.values };
    const values = await computeRunQueueValues(tx, options);
    await tx.execute(sql`
      UPDATE metrics_snapshots
      SET values = ${JSON.stringify(values)}::jsonb, computed_at = now(), computed_by = ${nodeName}
      WHERE name = ${SNAPSHOT_NAME}`);
    return { computed: true, values };
  });
}

export interface RunQueueMetricsPollerOptions extends RunQueueMetricsOptions {
  db: Database;
  metrics: ServerMetrics;
  logger: Logger;
  /** Names this node in the snapshot row (for an operator wondering who computed it). */
  nodeName: string;
}

/** Refreshes the run-queue gauges every period until stopped. */
export function startRunQueueMetrics(options: RunQueueMetricsPollerOptions) {
  const { metrics } = options;
  const round = async () => {
    try {
      const { values } = await refreshRunQueueValues(options.db, options.nodeName, options);
      if (!values) return;
      metrics.runQueue.available.set(values.available ?? 0);
      metrics.runQueue.stalled.set(values.stalled ?? 0);
      metrics.runQueue.finalised.set(values.finalised ?? 0);
      metrics.runQueue.claimAverageDuration.set(values.claimAverageDurationMs ?? 0);
      if (options.expensiveMetrics) {
        metrics.runQueue.impededProjects.set(values.impededProjects ?? 0);
      }
    } catch (error) {
      // The database restarting must not stop the metrics: the next round tries again.
      options.logger.warn({ err: error }, 'run-queue metrics: round failed');
    }
  };
  return startRepeatingTask({
    round,
    intervalMs: options.periodSeconds * 1000,
    initialDelayMs: 0,
  });
}
