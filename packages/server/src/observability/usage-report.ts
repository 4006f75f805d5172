// The daily usage report in OpenFn Lightning's version-2 shape: counts only (users, projects,
// workflows, jobs, runs, steps), every id as the uppercase hex SHA-256 of the UUID, the UUID
// itself only with USAGE_TRACKING_UUIDS=cleartext. Nothing else: no names, no code, no data.
//
// A day is the UTC day: entities that existed by its end, runs that finished during it. Runs
// are read in keyset pages of USAGE_TRACKING_RUN_CHUNK_SIZE (runs_finished_at_index), so a busy
// day's report never holds all its runs in memory at once.
import { createHash } from 'node:crypto';
import { type as osType } from 'node:os';
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';

export interface UsageReportOptions {
  /** USAGE_TRACKING_UUIDS. */
  uuids: 'hashed_only' | 'cleartext';
  /** USAGE_TRACKING_RUN_CHUNK_SIZE. */
  runChunkSize: number;
  /** The instance's UUID (usage_tracking_configuration). */
  instanceId: string;
  /** Lightning's version, e.g. `0.1.0`. */
  version: string;
  /** The report's `generated_at`; default now. */
  now?: Date;
}

interface Identity {
  hashed_uuid: string;
  cleartext_uuid: string | null;
}

export interface WorkflowUsage extends Identity {
  no_of_jobs: number;
  no_of_active_jobs: number;
  no_of_runs: number;
  no_of_steps: number;
}

export interface UsageReport {
  generated_at: string;
  report_date: string;
  version: '2';
  instance: Identity & {
    no_of_users: number;
    no_of_active_users: number;
    operating_system: string;
    version: string;
  };
  projects: Array<
    Identity & { no_of_users: number; no_of_active_users: number; workflows: WorkflowUsage[] }
  >;
}

/** How long after their last sign-in users still count as active, as Lightning's report. */
const ACTIVE_USER_DAYS = 90;

/** Uppercase hex SHA-256 of a UUID, as Lightning hashes them. */
export function hashUuid(uuid: string): string {
  return createHash('sha256').update(uuid).digest('hex').toUpperCase();
}

/**
 * Builds the report for one UTC date (`YYYY-MM-DD`).
 *
 * @example
 * const report = await generateUsageReport(db, '2026-12-05', { uuids: 'hashed_only', ... });
 */
export async function generateUsageReport(
  db: Database,
  reportDate: string,
  options: UsageReportOptions,
): Promise<UsageReport> {
  const identity = (uuid: string): Identity => ({
    hashed_uuid: hashUuid(uuid),
    cleartext_uuid: options.uuids === 'cleartext' ? uuid : null,
  });
  const dayStart = `${reportDate}T00:00:00Z`;
  const dayEnd = sql`(${dayStart}::timestamptz + interval '1 day')`;
  // Active: a session started within the 90 days up to the end of the day.
  const activeUsers = sql`
    SELECT DISTINCT user_id FROM user_tokens
    WHERE context = 'session' AND inserted_at < ${dayEnd}
      AND inserted_at >= ${dayEnd} - make_interval(days => ${ACTIVE_USER_DAYS})`;
  const [instance] = await queryRows<{ users: string; active: string }>(
    db,
    sql`SELECT
          (SELECT count(*) FROM users WHERE inserted_at < ${dayEnd}) AS users,
          (SELECT count(*) FROM (${activeUsers}) a) AS active`,
  );
  const projects = await queryRows<{ id: string; users: string; active: string }>(
    db,
    sql`SELECT p.id,
               (SELECT count(*) FROM project_users pu
                 WHERE pu.project_id = p.id AND pu.inserted_at < ${dayEnd}) AS users,
               (SELECT count(*) FROM project_users pu
                 WHERE pu.project_id = p.id AND pu.inserted_at < ${dayEnd}
                   AND pu.user_id IN (${activeUsers})) AS active
        FROM projects p WHERE p.inserted_at < ${dayEnd}
        ORDER BY p.inserted_at, p.id`,
  );
  const workflows = await queryRows<{ id: string; project_id: string; jobs: string }>(
    db,
    sql`SELECT w.id, w.project_id,
               (SELECT count(*) FROM jobs j
                 WHERE j.workflow_id = w.id AND j.inserted_at < ${dayEnd}) AS jobs
        FROM workflows w
        WHERE w.inserted_at < ${dayEnd}
          AND (w.deleted_at IS NULL OR w.deleted_at >= ${dayStart}::timestamptz)
        ORDER BY w.inserted_at, w.id`,
  );
  const activity = await countDayActivity(db, dayStart, dayEnd, options.runChunkSize);
  const workflowsByProject = new Map<string, WorkflowUsage[]>();
  for (const workflow of workflows) {
    const counted = activity.get(workflow.id);
    const list = workflowsByProject.get(workflow.project_id) ?? [];
    list.push({
      ...identity(workflow.id),
      no_of_jobs: Number(workflow.jobs),
      no_of_active_jobs: counted?.jobs.size ?? 0,
      no_of_runs: counted?.runs ?? 0,
      no_of_steps: counted?.steps ?? 0,
    });
    workflowsByProject.set(workflow.project_id, list);
  }
  return {
    generated_at: (options.now ?? new Date()).toISOString(),
    report_date: reportDate,
    version: '2',
    instance: {
      ...identity(options.instanceId),
      no_of_users: Number(instance?.users ?? 0),
      no_of_active_users: Number(instance?.active ?? 0),
      operating_system: osType().toLowerCase(),
      version: options.version,
    },
    projects: projects.map((project) => ({
      ...identity(project.id),
      no_of_users: Number(project.users),
      no_of_active_users: Number(project.active),
      workflows: workflowsByProject.get(project.id) ?? [],
    })),
  };
}

interface WorkflowActivity {
  runs: number;
  steps: number;
  jobs: Set<string>;
}

/** Runs finished during the day, per workflow, with their steps and the jobs those ran. */
async function countDayActivity(
  db: Database,
  dayStart: string,
  dayEnd: ReturnType<typeof sql>,
  chunkSize: number,
): Promise<Map<string, WorkflowActivity>> {
  const byWorkflow = new Map<string, WorkflowActivity>();
  let after: { finishedAt: string; id: string } | undefined;
  for (;;) {
    const page = await queryRows<{ id: string; workflow_id: string; finished_at: string }>(
      db,
      sql`SELECT id, workflow_id, finished_at::text AS finished_at FROM runs
          WHERE finished_at >= ${dayStart}::timestamptz AND finished_at < ${dayEnd}
            ${after ? sql`AND (finished_at, id) > (${after.finishedAt}::timestamptz, ${after.id}::uuid)` : sql``}
          ORDER BY finished_at, id
          LIMIT ${chunkSize}`,
    );
    if (page.length === 0) break;
    const workflowOfRun = new Map(page.map((run) => [run.id, run.workflow_id]));
    for (const run of page) {
      const entry = byWorkflow.get(run.workflow_id) ?? { runs: 0, steps: 0, jobs: new Set() };
      entry.runs += 1;
      byWorkflow.set(run.workflow_id, entry);
    }
    const steps = await queryRows<{ run_id: string; job_id: string }>(
      db,
      sql`SELECT rs.run_id, s.job_id FROM run_steps rs JOIN steps s ON s.id = rs.step_id
          WHERE rs.run_id IN (${sql.join(
            page.map((run) => sql`${run.id}::uuid`),
            sql`, `,
          )})`,
    );
    for (const step of steps) {
      const entry = byWorkflow.get(workflowOfRun.get(step.run_id)!)!;
      entry.steps += 1;
      entry.jobs.add(step.job_id);
    }
    const last = page[page.length - 1]!;
    after = { finishedAt: last.finished_at, id: last.id };
    if (page.length < chunkSize) break;
  }
  return byWorkflow;
}
