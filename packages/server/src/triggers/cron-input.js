// The input of a cron run, as OpenFn users expect: the final state of the workflow's last
// successful run — the output of that run's last finished step — so each run carries on from where
// the previous one ended (a cursor, a "last synced" date). No such run yet, or its output wiped by
// retention: an empty state.
//
// It reads the runs context's tables in one statement; it belongs behind a runs function
// (`runs.lastSuccessfulOutput`) once that context offers one.
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/index.js';
/** The id of the dataclip to start a cron run with, or undefined for `{}`. */
export async function findCronInputDataclip(db, workflowId) {
  const [row] = await queryRows(
    db,
    sql`SELECT s.output_dataclip_id AS dataclip_id
        FROM runs r
        JOIN run_steps rs ON rs.run_id = r.id
        JOIN steps s ON s.id = rs.step_id
        JOIN dataclips d ON d.id = s.output_dataclip_id
        WHERE r.workflow_id = ${workflowId} AND r.state = 'success'
          AND d.wiped_at IS NULL AND d.body IS NOT NULL
        ORDER BY r.finished_at DESC NULLS LAST, s.finished_at DESC NULLS LAST
        LIMIT 1`,
  );
  return row?.dataclip_id;
}
//# sourceMappingURL=cron-input.js.map
