// Claiming: moving available runs to `claimed` for one worker (ARCHITECTURE.md §5). The hot
// statement of the whole system, so it is written out here in full with the reason for each part.
//
// What it guarantees:
// - no run is handed to two workers: rows are locked `FOR UPDATE SKIP LOCKED` and re-checked as
//   `available` after the lock, so concurrent claimers take disjoint runs and never wait on each
//   other;
// - order: the worker's queues in the order it lists them (`["manual", "*"]`: manual runs first,
//   then any other queue), then priority (immediate before normal), then age;
// - fairness: a workflow never holds more than PER_WORKFLOW_CLAIM_LIMIT runs in flight plus
//   candidates, so a workflow with 10,000 queued runs cannot starve one with 1;
// - concurrency: a workflow with a limit (its own `concurrency`, else its project's, shared by the
//   project's workflows without a limit of their own) never has more runs claimed or started.
//
// What it costs: nothing proportional to the backlog. Candidates are read from the head of the
// partial indexes on available runs (a few dozen rows); in-flight runs (bounded by the workers'
// total capacity) are counted from their own partial index; the concurrency check counts at most
// `limit` earlier runs of one workflow. Saturated workflows are skipped with a hashed NOT IN.
import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { type Database, queryRows } from '../db/index.js';

/** The queue wildcard of a claim's `queues`: any queue not named before it. */
export const ANY_QUEUE = '*';
export const DEFAULT_CLAIM_QUEUES = ['manual', ANY_QUEUE] as const;

export interface ClaimOptions {
  /** At most this many runs. */
  demand: number;
  /** Stamped on the runs (`worker_name`); null when the worker sends none. */
  workerName: string | null;
  /** Queue preference, e.g. `["manual", "*"]` (the default); without `*` only named queues. */
  queues?: readonly string[];
  /** PER_WORKFLOW_CLAIM_LIMIT. */
  perWorkflowLimit: number;
  /** CLAIM_WORK_MEM (`32MB`), applied with SET LOCAL; undefined leaves the server's default. */
  workMem?: string;
}

export interface ClaimedRun {
  id: string;
  workflowId: string;
  workOrderId: string;
  options: Record<string, unknown>;
}

/**
 * Rows read from the head of each queue per statement. Enough for any ordinary demand; when a
 * head is full of runs that may not be claimed (one workflow at its limit owning the head) and the
 * claim came back short, the claim is repeated with a deeper head: those workflows now count as
 * in flight and are skipped, so the retry reaches the runs behind them.
 */
const headSize = (demand: number) => Math.max(32, demand * 4);
const DEEPER_HEAD_FACTOR = 8;
const MAX_ROUNDS = 3;

/**
 * Claims up to `demand` available runs for one worker.
 *
 * @example
 * const runs = await claim(db, { demand: 2, workerName: 'w1', queues: ['manual', '*'],
 *   perWorkflowLimit: config.limits.perWorkflowClaimLimit, workMem: config.limits.claimWorkMem });
 */
export async function claim(db: Database, options: ClaimOptions): Promise<ClaimedRun[]> {
  if (!Number.isInteger(options.demand) || options.demand < 1) return [];
  const claimed: ClaimedRun[] = [];
  let head = headSize(options.demand);
  for (let round = 0; round < MAX_ROUNDS && claimed.length < options.demand; round++) {
    const result = await claimOnce(
      db,
      { ...options, demand: options.demand - claimed.length },
      head,
    );
    claimed.push(...result.runs);
    if (claimed.length >= options.demand || result.largestHead < head) break;
    head *= DEEPER_HEAD_FACTOR;
  }
  return claimed;
}

interface ClaimRound {
  runs: ClaimedRun[];
  /** Rows read from the fullest queue head: equal to the head size means there was more. */
  largestHead: number;
}

async function claimOnce(db: Database, options: ClaimOptions, head: number): Promise<ClaimRound> {
  const rows = await runClaimStatement(db, claimStatement(options, head), options.workMem);
  const row = rows[0];
  const runs = (parseJson(row?.runs) ?? []).map((run) => ({
    id: run.id,
    workflowId: run.workflow_id,
    workOrderId: run.work_order_id,
    options: run.options ?? {},
  }));
  return { runs, largestHead: Number(row?.largest_head ?? 0) };
}

const dialect = new PgDialect();

async function runClaimStatement(
  db: Database,
  statement: SQL,
  workMem: string | undefined,
): Promise<ClaimRow[]> {
  const pool = (db as unknown as { $client?: unknown }).$client;
  if (pool instanceof pg.Pool) {
    // On PostgreSQL the statement is prepared (named) once per connection: parsing and analysing
    // ~5 KB of SQL on every claim cost about as much as executing it. Measured on the 2-core
    // machine: plan 0.9 ms + execution 0.7 ms against a 100,000-run backlog.
    const { sql: text, params } = dialect.sqlToQuery(statement);
    const query = {
      name: `lightning_claim_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`,
      text,
      values: params,
    };
    // Without work_mem there is nothing to scope: the single statement is its own transaction,
    // one round trip instead of four.
    if (!workMem) return (await pool.query<ClaimRow>(query)).rows;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // SET LOCAL: the claim's sorts and hashes get CLAIM_WORK_MEM without changing the
      // connection's setting for whoever uses it next.
      await client.query(`SELECT set_config('work_mem', $1, true)`, [workMem]);
      const result = await client.query<ClaimRow>(query);
      await client.query('COMMIT');
      return result.rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  // PGlite (one connection, no prepared-statement cache to speak of): through Drizzle.
  if (!workMem) return queryRows<ClaimRow>(db, statement);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('work_mem', ${workMem}, true)`);
    return queryRows<ClaimRow>(tx as unknown as Database, statement);
  });
}

interface ClaimRow extends Record<string, unknown> {
  runs: string | RawClaimedRun[] | null;
  largest_head: number | string | null;
}

interface RawClaimedRun {
  id: string;
  workflow_id: string;
  work_order_id: string;
  options: Record<string, unknown> | null;
}

function parseJson(value: ClaimRow['runs'] | undefined): RawClaimedRun[] | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? (JSON.parse(value) as RawClaimedRun[]) : value;
}

/**
 * Numbers of the statement's shape (limits, ranks) are written into its text rather than passed
 * as parameters: the statement is prepared once per connection and may run with a generic plan,
 * and a generic plan that sees `LIMIT $1` guesses a large limit and may prefer reading the whole
 * backlog. With the numbers in the text, each distinct shape is its own prepared statement.
 * They come from validated integers (config, claim payload), never from free text.
 */
function int(value: number): SQL {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return sql.raw(String(value));
}

/** The claim statement; exported for EXPLAIN in benchmarks. */
export function claimStatement(options: ClaimOptions, head: number): SQL {
  const queues =
    options.queues && options.queues.length > 0 ? options.queues : DEFAULT_CLAIM_QUEUES;
  const named = [...new Set(queues.filter((queue) => queue !== ANY_QUEUE))];
  const wildcardRank = queues.indexOf(ANY_QUEUE);
  const limit = options.perWorkflowLimit;

  // A run's place in the worker's queue order: the position of its queue if named, else the
  // position of `*`.
  const queueRank =
    named.length > 0
      ? sql`CASE queue ${sql.join(
          named.map((queue) => sql`WHEN ${queue} THEN ${int(queues.indexOf(queue))}`),
          sql` `,
        )} ELSE ${int(Math.max(wildcardRank, 0))} END`
      : int(Math.max(wildcardRank, 0));

  // One index range per named queue (runs_available_queue_index: queue, priority, inserted_at),
  // and for `*` one range over all queues (runs_available_index: priority, inserted_at). Each is
  // LIMITed on its own, so the planner walks an index from its head and stops: the backlog
  // behind it is never read. The `*` range does not skip the named queues' runs (a filter there
  // would read past every waiting manual run, which sort first by priority); a run found by both
  // ranges is kept once, with its own queue's rank.
  const heads: SQL[] = named.map(
    (queue, range) => sql`(SELECT id, workflow_id, priority, inserted_at,
               ${int(queues.indexOf(queue))} AS queue_rank, ${int(range)} AS range
        FROM runs
        WHERE state = 'available' AND queue = ${queue}
          AND workflow_id NOT IN (SELECT workflow_id FROM blocked)
        ORDER BY priority, inserted_at
        LIMIT ${int(head)})`,
  );
  if (wildcardRank >= 0) {
    heads.push(sql`(SELECT id, workflow_id, priority, inserted_at,
               (${queueRank}) AS queue_rank, ${int(heads.length)} AS range
        FROM runs
        WHERE state = 'available'
          AND workflow_id NOT IN (SELECT workflow_id FROM blocked)
        ORDER BY priority, inserted_at
        LIMIT ${int(head)})`);
  }

  return sql`
WITH
-- Runs handed out and not finished, per workflow. Few (bounded by the workers' capacity) and read
-- through runs_in_flight_index, so this costs the same whatever the backlog.
in_flight AS (
  SELECT workflow_id, count(*)::int AS n
  FROM runs
  WHERE state IN ('claimed', 'started')
  GROUP BY workflow_id
),
-- The concurrency partition of each busy workflow: itself when it has its own limit, else its
-- project (a project's limit is shared by its workflows without one, as in Lightning).
in_flight_limits AS (
  SELECT f.workflow_id, f.n,
         coalesce(w.concurrency, p.concurrency) AS concurrency,
         CASE WHEN w.concurrency IS NOT NULL THEN w.id ELSE w.project_id END AS partition_id
  FROM in_flight f
  JOIN workflows w ON w.id = f.workflow_id
  JOIN projects p ON p.id = w.project_id
),
partition_in_flight AS (
  SELECT partition_id, sum(n)::int AS n
  FROM in_flight_limits
  WHERE concurrency IS NOT NULL
  GROUP BY partition_id
),
-- Workflows that cannot take a single run more: at the per-workflow limit or at their concurrency
-- limit. Their queued runs are skipped while reading the heads, so a saturated workflow with a
-- huge backlog does not fill the heads with runs that would all be refused.
blocked AS (
  SELECT l.workflow_id
  FROM in_flight_limits l
  LEFT JOIN partition_in_flight pf ON pf.partition_id = l.partition_id
  WHERE l.n >= ${int(limit)} OR pf.n >= l.concurrency
),
head_ranges AS (
  ${sql.join(heads, sql`\nUNION ALL\n`)}
),
head AS (
  SELECT DISTINCT ON (id) * FROM head_ranges ORDER BY id, queue_rank
),
-- Rank of each candidate within its workflow, in claim order. The head is a prefix of the global
-- order, so its restriction to one workflow is a prefix of that workflow's order: these ranks are
-- the workflow's true ranks, without reading the rest of its backlog.
ranked AS (
  SELECT h.*, row_number() OVER (
           PARTITION BY h.workflow_id ORDER BY h.queue_rank, h.priority, h.inserted_at, h.id
         ) AS rank_in_workflow
  FROM head h
),
eligible AS (
  SELECT rk.id, rk.queue_rank, rk.priority, rk.inserted_at
  FROM ranked rk
  JOIN workflows w ON w.id = rk.workflow_id
  JOIN projects p ON p.id = w.project_id
  LEFT JOIN in_flight f ON f.workflow_id = rk.workflow_id
  LEFT JOIN partition_in_flight pf
    ON pf.partition_id = (CASE WHEN w.concurrency IS NOT NULL THEN w.id ELSE w.project_id END)
  -- Fairness: in flight plus earlier candidates of the same workflow stay within the limit.
  WHERE rk.rank_in_workflow + coalesce(f.n, 0) <= ${int(limit)}
    -- Concurrency: a run is eligible only if it is among the first (limit - in flight) available
    -- runs of its partition by age. Every claimer computes the same set from its snapshot, and
    -- the lock below takes each run once, so concurrent claimers together never exceed the
    -- limit. Counting stops at the limit (LIMIT inside), so a deep backlog costs nothing.
    AND (
      coalesce(w.concurrency, p.concurrency) IS NULL
      OR coalesce(pf.n, 0) + CASE
        WHEN w.concurrency IS NOT NULL THEN (
          SELECT count(*) FROM (
            SELECT 1 FROM runs e
            WHERE e.workflow_id = w.id AND e.state = 'available'
              AND (e.inserted_at, e.id) < (rk.inserted_at, rk.id)
            LIMIT w.concurrency
          ) earlier)
        ELSE (
          SELECT count(*) FROM (
            SELECT 1 FROM workflows pw
            JOIN runs e ON e.workflow_id = pw.id
            WHERE pw.project_id = w.project_id AND pw.concurrency IS NULL
              AND e.state = 'available'
              AND (e.inserted_at, e.id) < (rk.inserted_at, rk.id)
            LIMIT p.concurrency
          ) earlier)
        END < coalesce(w.concurrency, p.concurrency)
    )
),
-- The lock. SKIP LOCKED: a run another claimer is taking right now is passed over, not waited
-- for. state = 'available' is re-checked on the locked row version, so a run claimed and
-- committed by someone else since this statement's snapshot is never taken twice.
locked AS (
  SELECT r.id
  FROM runs r
  JOIN eligible e ON e.id = r.id
  WHERE r.state = 'available'
  ORDER BY e.queue_rank, e.priority, e.inserted_at
  LIMIT ${int(options.demand)}
  FOR UPDATE OF r SKIP LOCKED
),
claimed AS (
  UPDATE runs
  SET state = 'claimed', claimed_at = now(), worker_name = ${options.workerName}
  FROM locked
  WHERE runs.id = locked.id
  RETURNING runs.id, runs.workflow_id, runs.work_order_id, runs.options
)
SELECT
  (SELECT json_agg(claimed) FROM claimed) AS runs,
  (SELECT count(*) FROM head_ranges GROUP BY range ORDER BY 1 DESC LIMIT 1) AS largest_head`;
}

/**
 * Puts claimed runs back: used when the worker that claimed them went away before it got the
 * reply, so nobody will ever start them (Lightning does the same).
 */
export async function releaseClaimedRuns(db: Database, runIds: readonly string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  const rows = await queryRows(
    db,
    sql`UPDATE runs SET state = 'available', claimed_at = NULL, worker_name = NULL
        WHERE state = 'claimed'
          AND id IN (${sql.join(
            runIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})
        RETURNING id`,
  );
  return rows.length;
}
