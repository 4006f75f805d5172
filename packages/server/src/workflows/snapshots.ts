// Snapshots: insert-only copies of a workflow's graph at one lock version. A run executes the
// snapshot it was created with, so editing a workflow never changes a run already queued. The copy
// keeps the live rows' ids and snake_case field names (the run plan is built from it).
import { and, eq, sql } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { NotFoundError } from '../http/errors.js';
import { publicTrigger } from './kafka-configuration.js';
import { getWorkflow } from './read.js';
import type { Snapshot, WorkflowGraph } from './types.js';

const { auditEvents, workflowSnapshots, workflows } = schema;

type SnapshotRow = typeof workflowSnapshots.$inferSelect;

const toSnapshot = (row: SnapshotRow): Snapshot => ({
  id: row.id,
  workflow_id: row.workflowId,
  name: row.name,
  lock_version: row.lockVersion,
  jobs: row.jobs as unknown as Snapshot['jobs'],
  triggers: row.triggers as unknown as Snapshot['triggers'],
  edges: row.edges as unknown as Snapshot['edges'],
  inserted_at: row.insertedAt,
});

/** Writes the snapshot of `graph` at `lockVersion`; call inside the transaction of the save. */
export async function insertSnapshot(
  db: Database,
  workflowId: string,
  lockVersion: number,
  graph: WorkflowGraph,
): Promise<Snapshot> {
  const [row] = await db
    .insert(workflowSnapshots)
    .values({
      workflowId,
      name: graph.name,
      lockVersion,
      jobs: graph.jobs.map((job) => ({ ...job })),
      triggers: graph.triggers.map((trigger) => ({ ...publicTrigger(trigger) })),
      edges: graph.edges.map((edge) => ({ ...edge })),
    })
    .returning();
  // Lightning records each new version in the audit trail as `snapshot_created`.
  await db.insert(auditEvents).values({
    event: 'snapshot_created',
    itemType: 'workflow',
    itemId: workflowId,
    changes: { after: { snapshot_id: row!.id, lock_version: lockVersion } },
  });
  return toSnapshot(row!);
}

export async function getSnapshot(db: Database, id: string): Promise<Snapshot> {
  const [row] = await db.select().from(workflowSnapshots).where(eq(workflowSnapshots.id, id));
  if (!row) throw new NotFoundError(`Snapshot ${id} not found`);
  return toSnapshot(row);
}

/** Every snapshot of a workflow, oldest first. */
export async function listSnapshots(db: Database, workflowId: string): Promise<Snapshot[]> {
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
export async function getCurrentSnapshot(db: Database, workflowId: string): Promise<Snapshot> {
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
  return toSnapshot(created!);
}

/**
 * The ids of the current snapshots of a project's live workflows (what "Sync to GitHub" sends as
 * `snapshots`, so the pull action exports exactly the versions of that moment).
 */
export async function currentSnapshotIds(db: Database, projectId: string): Promise<string[]> {
  const rows = await db
    .select({ id: workflowSnapshots.id })
    .from(workflows)
    .innerJoin(
      workflowSnapshots,
      and(
        eq(workflowSnapshots.workflowId, workflows.id),
        eq(workflowSnapshots.lockVersion, workflows.lockVersion),
      ),
    )
    .where(and(eq(workflows.projectId, projectId), sql`${workflows.deletedAt} IS NULL`))
    .orderBy(workflows.insertedAt);
  return rows.map((row) => row.id);
}
