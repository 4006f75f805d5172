// The newest run of each workflow of a project, for the workflow list's "Last run" column.
//
// Per workflow: its newest work order (the (workflow_id, inserted_at, id) index answers it with one
// short backwards scan), then that work order's newest run (runs_work_order_id_index). A retry of an
// older work order is therefore not "the last run" — the list shows what the newest request became,
// as Lightning's workflow list does. Cost: two index probes per workflow of the project.
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import { isoTime } from './cursor.js';

export interface LastRun {
  workflow_id: string;
  run_id: string;
  work_order_id: string;
  state: string;
  inserted_at: string;
  finished_at: string | null;
}

export async function listLastRuns(db: Database, projectId: string): Promise<LastRun[]> {
  return queryRows<LastRun & Record<string, unknown>>(
    db,
    sql`SELECT w.id AS workflow_id, r.id AS run_id, r.work_order_id, r.state,
          ${isoTime('r.inserted_at')} AS inserted_at, ${isoTime('r.finished_at')} AS finished_at
        FROM workflows w
        CROSS JOIN LATERAL (
          SELECT wo.id FROM work_orders wo
          WHERE wo.workflow_id = w.id
          ORDER BY wo.inserted_at DESC, wo.id DESC
          LIMIT 1
        ) wo
        CROSS JOIN LATERAL (
          SELECT * FROM runs
          WHERE runs.work_order_id = wo.id
          ORDER BY runs.inserted_at DESC, runs.id DESC
          LIMIT 1
        ) r
        WHERE w.project_id = ${projectId}
        ORDER BY w.id`,
  );
}
