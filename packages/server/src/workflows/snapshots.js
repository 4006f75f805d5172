// Snapshots: insert-only copies of a workflow's graph at one lock version. A run executes the
// snapshot it was created with, so editing a workflow never changes a run already queued. The copy
// keeps the live rows' ids and snake_case field names (the run plan is built from it).
import { and, eq, sql } from 'drizzle-orm';
import { schema } from '../db/index.js';
import { NotFoundError } from '../http/errors.js';
import { getWorkflow } from './read.js';

const { workflowSnapshots, workflows } = schema;
const toSnapshot = (row) => ({
  id: row.id,
  workflow_id: row.workflowId,
  name: row.name,
  lock_version: row.lockVersion,
  jobs: row.jobs,
  triggers: row.triggers,
  edges: row.edges,
  inserted_at: row.insertedAt,
});
/** Writes the snapshot of `graph` at `lockVersion`; call inside the transaction of the save. */
export async function insertSnapshot(db, workflowId, lockVersion, graph) {
  const [row] = await db
    .insert(workflowSnapshots)
    .values({
      workflowId,
      name: graph.name,
      lockVersion,
      jobs: graph.jobs.map((job) => ({ ...job })),
      triggers: graph.triggers.map((trigger) => ({ ...trigger })),
      edges: graph.edges.map((edge) => ({ ...edge })),
    })
    .returning();
  return toSnapshot(row);
}
export async function getSnapshot(db, id) {
  const [row] = await db.select().from(workflowSnapshots).where(eq(workflowSnapshots.id, id));
  if (!row) throw new NotFoundError(`Snapshot ${id} not found`);
  return toSnapshot(row);
}
/** Every snapshot of a workflow, oldest first. */
export async function listSnapshots(db, workflowId) {
  const rows = await db
    .select()
    .from(workflowSnapshots)
    .where(eq(workflowSnapshots.workflowId, workflowId))
    .orderBy(workflowSnapshots.lockVersion);
  return rows.map(toSnapshot);
}
/**
 * The snapshot matching the workflow's current lock_version. Saves made through this context always
 * write one; for a workflow written some other way it is created here, as Lightning does lazily
 * when a run needs one (concurrent callers converge on one row through the unique index).
 */
export async function getCurrentSnapshot(db, workflowId) {
  const [row] = await db
    .select({ snapshot: workflowSnapshots })
    .from(workflows)
    .innerJoin(
      workflowSnapshots,
      and(
        eq(workflowSnapshots.workflowId, workflows.id),
        eq(workflowSnapshots.lockVersion, workflows.lockVersion),
      ),
    )
    .where(eq(workflows.id, workflowId));
  if (row) return toSnapshot(row.snapshot);
  const workflow = await getWorkflow(db, workflowId);
  await db
    .insert(workflowSnapshots)
    .values({
      workflowId,
      name: workflow.name,
      lockVersion: workflow.lock_version,
      jobs: workflow.jobs.map((job) => ({ ...job })),
      triggers: workflow.triggers.map((trigger) => ({ ...trigger })),
      edges: workflow.edges.map((edge) => ({ ...edge })),
    })
    .onConflictDoNothing();
  const [created] = await db
    .select()
    .from(workflowSnapshots)
    .where(
      and(
        eq(workflowSnapshots.workflowId, workflowId),
        eq(workflowSnapshots.lockVersion, sql`${workflow.lock_version}`),
      ),
    );
  return toSnapshot(created);
}
//# sourceMappingURL=snapshots.js.map
