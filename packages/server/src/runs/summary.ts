// How a project's work went over a period, per workflow: what periodic digests report.
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';

export interface WorkflowActivity {
  workflowId: string;
  workflowName: string;
  /** Work orders created in the period, by their current state. */
  workOrders: number;
  succeeded: number;
  /** Ended in failed, crashed, killed, exception or lost. */
  failed: number;
  /** Rejected, cancelled, or still pending/running. */
  other: number;
}

const FAILED = ['failed', 'crashed', 'killed', 'exception', 'lost'];

/** Work orders created in `[from, to)` per workflow of the project (every live workflow listed). */
export async function summarizeProjectActivity(
  db: Database,
  projectId: string,
  period: { from: Date; to: Date },
): Promise<WorkflowActivity[]> {
  const rows = await queryRows<{
    workflow_id: string;
    workflow_name: string;
    work_orders: number;
    succeeded: number;
    failed: number;
  }>(
    db,
    sql`SELECT w.id AS workflow_id, w.name AS workflow_name,
               count(wo.id)::int AS work_orders,
               (count(wo.id) FILTER (WHERE wo.state = 'success'))::int AS succeeded,
               (count(wo.id) FILTER (WHERE wo.state IN (${sql.join(
                 FAILED.map((state) => sql`${state}`),
                 sql`, `,
               )})))::int AS failed
          FROM workflows w
          LEFT JOIN work_orders wo
            ON wo.workflow_id = w.id
           AND wo.inserted_at >= ${period.from.toISOString()}::timestamptz
           AND wo.inserted_at < ${period.to.toISOString()}::timestamptz
         WHERE w.project_id = ${projectId} AND w.deleted_at IS NULL
         GROUP BY w.id, w.name
         ORDER BY w.name, w.id`,
  );
  return rows.map((row) => ({
    workflowId: row.workflow_id,
    workflowName: row.workflow_name,
    workOrders: row.work_orders,
    succeeded: row.succeeded,
    failed: row.failed,
    other: row.work_orders - row.succeeded - row.failed,
  }));
}
