// Reading one run (with its steps), one dataclip, and a run's log lines, for the history views.
import { type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows, type schema } from '../db/index.js';
import { type Cursor, isoTime, type Page, toPage } from './cursor.js';

export type LogLevel = (typeof schema.LOG_LEVELS)[number];

export type StepView = {
  id: string;
  job_id: string;
  /** The job's name in the run's snapshot (null if the snapshot no longer has it). */
  job_name: string | null;
  /** `running` until the step finishes, then its exit reason (`success`, `fail`, `crash`, …). */
  state: string;
  exit_reason: string | null;
  error_type: string | null;
  error_message: string | null;
  input_dataclip_id: string | null;
  output_dataclip_id: string | null;
  started_at: string | null;
  finished_at: string | null;
  /** Milliseconds from start to finish; null while running. */
  duration_ms: number | null;
};

export type RunView = {
  id: string;
  work_order_id: string;
  workflow_id: string;
  project_id: string;
  snapshot_id: string;
  state: string;
  error_type: string | null;
  priority: number;
  queue: string;
  starting_trigger_id: string | null;
  starting_job_id: string | null;
  created_by_id: string | null;
  dataclip_id: string | null;
  worker_name: string | null;
  options: Record<string, unknown>;
  claimed_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  /**
   * When the lost-run sweep had marked the run `lost`, if its worker then reported its real
   * outcome (a late-event correction); null otherwise.
   */
  lost_at: string | null;
  inserted_at: string;
  duration_ms: number | null;
  steps: StepView[];
};

/** A run with its steps (in the order they started), or null. */
export async function getRun(db: Database, id: string): Promise<RunView | null> {
  const [run] = await queryRows<Omit<RunView, 'steps'> & { snapshot_jobs: unknown }>(
    db,
    sql`SELECT r.id, r.work_order_id, r.workflow_id, w.project_id, r.snapshot_id, r.state,
               r.error_type, r.priority, r.queue, r.starting_trigger_id, r.starting_job_id,
               r.created_by_id, r.dataclip_id, r.worker_name, r.options,
               ${isoTime('r.claimed_at')} AS claimed_at, ${isoTime('r.started_at')} AS started_at,
               ${isoTime('r.finished_at')} AS finished_at, ${isoTime('r.inserted_at')} AS inserted_at,
               ${isoTime('r.lost_at')} AS lost_at,
               ${durationMs('r.started_at', 'r.finished_at')} AS duration_ms,
               ws.jobs AS snapshot_jobs
        FROM runs r
        JOIN workflows w ON w.id = r.workflow_id
        JOIN workflow_snapshots ws ON ws.id = r.snapshot_id
        WHERE r.id = ${id}`,
  );
  if (!run) return null;
  const steps = await queryRows<Omit<StepView, 'job_name' | 'state'>>(
    db,
    sql`SELECT s.id, s.job_id, s.exit_reason, s.error_type, s.error_message,
               s.input_dataclip_id, s.output_dataclip_id,
               ${isoTime('s.started_at')} AS started_at, ${isoTime('s.finished_at')} AS finished_at,
               ${durationMs('s.started_at', 's.finished_at')} AS duration_ms
        FROM run_steps rs JOIN steps s ON s.id = rs.step_id
        WHERE rs.run_id = ${id}
        ORDER BY s.started_at NULLS LAST, s.inserted_at, s.id`,
  );
  const jobNames = new Map<string, string>();
  for (const job of parseJson<{ id: string; name: string }[]>(run.snapshot_jobs) ?? []) {
    jobNames.set(job.id, job.name);
  }
  const { snapshot_jobs: _, ...fields } = run;
  return {
    ...fields,
    options: parseJson(fields.options) ?? {},
    duration_ms: numberOrNull(fields.duration_ms),
    steps: steps.map((step) => ({
      ...step,
      job_name: jobNames.get(step.job_id) ?? null,
      state: step.exit_reason ?? (step.finished_at ? 'finished' : 'running'),
      duration_ms: numberOrNull(step.duration_ms),
    })),
  };
}

export type DataclipView = {
  id: string;
  project_id: string;
  type: string;
  name: string | null;
  /** Null once wiped (retention, or `save_dataclips: false`). */
  body: unknown;
  request: unknown;
  wiped: boolean;
  wiped_at: string | null;
  inserted_at: string;
  updated_at: string;
};

/** A dataclip with its body, or null. */
export async function getDataclip(db: Database, id: string): Promise<DataclipView | null> {
  const [row] = await queryRows<Omit<DataclipView, 'wiped'>>(
    db,
    sql`SELECT id, project_id, type, name, body, request, ${isoTime('wiped_at')} AS wiped_at,
               ${isoTime('inserted_at')} AS inserted_at, ${isoTime('updated_at')} AS updated_at
        FROM dataclips WHERE id = ${id}`,
  );
  if (!row) return null;
  return {
    ...row,
    body: parseJson(row.body),
    request: parseJson(row.request),
    wiped: row.wiped_at !== null,
  };
}

export type LogLineView = {
  id: string;
  run_id: string;
  step_id: string | null;
  source: string | null;
  level: LogLevel;
  message: string;
  timestamp: string;
};

export interface LogLineQuery {
  /** Only these levels; every level when empty or absent. */
  levels?: readonly LogLevel[];
  pageSize: number;
  after?: Cursor;
}

/**
 * A run's log lines, oldest first (`timestamp, id`), a page at a time along
 * log_lines_run_id_timestamp_index. Null when the run does not exist (an empty page is a run
 * without logs).
 */
export async function listLogLines(
  db: Database,
  runId: string,
  query: LogLineQuery,
): Promise<Page<LogLineView> | null> {
  const [run] = await queryRows<{ id: string }>(db, sql`SELECT id FROM runs WHERE id = ${runId}`);
  if (!run) return null;
  const conditions: SQL[] = [sql`run_id = ${runId}`];
  if (query.levels?.length) {
    conditions.push(
      sql`level IN (${sql.join(
        query.levels.map((level) => sql`${level}`),
        sql`, `,
      )})`,
    );
  }
  if (query.after) {
    conditions.push(
      sql`(timestamp, id) > (${query.after.at}::timestamptz, ${query.after.id}::uuid)`,
    );
  }
  const rows = await queryRows<LogLineView>(
    db,
    sql`SELECT id, run_id, step_id, source, level, message, ${isoTime('timestamp')} AS timestamp
        FROM log_lines
        WHERE ${sql.join(conditions, sql` AND `)}
        ORDER BY log_lines.timestamp, id
        LIMIT ${query.pageSize + 1}`,
  );
  return toPage(rows, query.pageSize, (row) => ({ at: row.timestamp, id: row.id }));
}

const durationMs = (start: string, end: string) =>
  sql.raw(`round(extract(epoch FROM (${end} - ${start})) * 1000, 3)`);

const numberOrNull = (value: unknown) =>
  value === null || value === undefined ? null : Number(value);

/** jsonb comes back parsed from node-postgres and PGlite alike; SQL NULL becomes null. */
function parseJson<T>(value: unknown): T | null {
  return value === undefined ? null : (value as T | null);
}
