// Which project a work order, run or dataclip belongs to: what the routes need to ask the projects
// policy before showing or changing it. Null when there is no such item.
import { eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';

const { workflows, workOrders, runs, dataclips } = schema;

export async function projectOfWorkOrder(
  db: Database,
  workOrderId: string,
): Promise<string | null> {
  const [row] = await db
    .select({ projectId: workflows.projectId })
    .from(workOrders)
    .innerJoin(workflows, eq(workflows.id, workOrders.workflowId))
    .where(eq(workOrders.id, workOrderId));
  return row?.projectId ?? null;
}

export async function projectOfRun(db: Database, runId: string): Promise<string | null> {
  const [row] = await db
    .select({ projectId: workflows.projectId })
    .from(runs)
    .innerJoin(workflows, eq(workflows.id, runs.workflowId))
    .where(eq(runs.id, runId));
  return row?.projectId ?? null;
}

export async function projectOfDataclip(db: Database, dataclipId: string): Promise<string | null> {
  const [row] = await db
    .select({ projectId: dataclips.projectId })
    .from(dataclips)
    .where(eq(dataclips.id, dataclipId));
  return row?.projectId ?? null;
}
