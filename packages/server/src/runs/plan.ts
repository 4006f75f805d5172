// The run plan (spec §5), the reply to `fetch:plan`. Built from the workflow snapshot the run was
// created with, never the live workflow: editing a workflow does not change a queued run.
// Snapshot JSON holds snake_case copies of the rows (jobs, triggers, edges).
import type { runPlanSchema } from '@lightning/protocol';
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { type Database, queryRows } from '../db/index.js';
import { isUuid } from './run-state.js';

export interface PlanLimits {
  /** WORKER_MAX_RUN_DURATION_SECONDS, unless the run's options carry their own timeout. */
  maxRunDurationSeconds: number;
  /** WORKER_MAX_RUN_MEMORY_MB. */
  maxRunMemoryMb: number;
  /** MAX_DATACLIP_SIZE_MB. */
  maxDataclipSizeMb: number;
}

/** The plan as sent: optional keys may be left out. */
export type RunPlan = z.input<typeof runPlanSchema>;

interface SnapshotJob {
  id: string;
  name?: string;
  body?: string;
  adaptor?: string;
  project_credential_id?: string | null;
}
interface SnapshotTrigger {
  id: string;
  type?: string;
}
interface SnapshotEdge {
  id: string;
  source_job_id?: string | null;
  source_trigger_id?: string | null;
  target_job_id: string;
  condition_type?: string;
  condition_expression?: string | null;
  enabled?: boolean;
}

interface PlanRow extends Record<string, unknown> {
  id: string;
  dataclip_id: string | null;
  starting_trigger_id: string | null;
  starting_job_id: string | null;
  options: Record<string, unknown> | null;
  name: string;
  jobs: SnapshotJob[];
  triggers: SnapshotTrigger[];
  edges: SnapshotEdge[];
  project_id: string;
  enable_job_logs: boolean;
  retention_policy: string;
  credentials: Record<string, string> | null;
}

/** The run's timeout: its own option when set, else WORKER_MAX_RUN_DURATION_SECONDS. */
export function runTimeoutMs(
  options: Record<string, unknown> | null | undefined,
  maxRunDurationSeconds: number,
): number {
  const own = options?.run_timeout_ms;
  return typeof own === 'number' && own > 0 ? own : maxRunDurationSeconds * 1000;
}

/** The plan of a run, or null when there is no such run. */
export async function buildRunPlan(
  db: Database,
  runId: string,
  limits: PlanLimits,
): Promise<RunPlan | null> {
  if (!isUuid(runId)) return null;
  // One query: the run, its snapshot, the workflow's settings, and the map from the project
  // credentials its jobs use to the credentials the worker will fetch.
  const [row] = await queryRows<PlanRow>(
    db,
    sql`SELECT r.id, r.dataclip_id, r.starting_trigger_id, r.starting_job_id, r.options,
               s.name, s.jobs, s.triggers, s.edges,
               w.project_id, w.enable_job_logs, p.retention_policy,
               (SELECT jsonb_object_agg(pc.id, pc.credential_id)
                  FROM project_credentials pc
                 WHERE pc.id::text IN (SELECT j->>'project_credential_id'
                                         FROM jsonb_array_elements(s.jobs) AS j)) AS credentials
        FROM runs r
        JOIN workflow_snapshots s ON s.id = r.snapshot_id
        JOIN workflows w ON w.id = r.workflow_id
        JOIN projects p ON p.id = w.project_id
        WHERE r.id = ${runId}`,
  );
  if (!row) return null;
  const credentials = row.credentials ?? {};
  const options = row.options ?? {};
  const saveDataclips =
    typeof options.save_dataclips === 'boolean'
      ? options.save_dataclips
      : row.retention_policy !== 'erase_all';
  return {
    id: row.id,
    name: row.name,
    project_id: row.project_id,
    dataclip_id: row.dataclip_id ?? '',
    starting_node_id: (row.starting_trigger_id ?? row.starting_job_id)!,
    triggers: row.triggers.map((trigger) => ({ id: trigger.id, type: trigger.type })),
    jobs: row.jobs.map((job) => ({
      id: job.id,
      name: job.name,
      body: job.body ?? '',
      adaptor: job.adaptor ?? '@openfn/language-common@latest',
      credential_id: job.project_credential_id
        ? (credentials[job.project_credential_id] ?? null)
        : null,
    })),
    edges: row.edges.map((edge) => ({
      id: edge.id,
      ...(edge.source_trigger_id
        ? { source_trigger_id: edge.source_trigger_id }
        : { source_job_id: edge.source_job_id }),
      target_job_id: edge.target_job_id,
      condition:
        edge.condition_type === 'js_expression'
          ? (edge.condition_expression ?? 'false')
          : (edge.condition_type ?? 'always'),
      enabled: edge.enabled ?? true,
    })),
    options: {
      run_timeout_ms: runTimeoutMs(options, limits.maxRunDurationSeconds),
      run_memory_limit_mb: limits.maxRunMemoryMb,
      payload_limit_mb: limits.maxDataclipSizeMb,
      output_dataclips: saveDataclips,
      // Lightning sends a level only to turn job logs off.
      ...(row.enable_job_logs ? {} : { job_log_level: 'none' }),
    },
  };
}
