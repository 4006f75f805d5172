// Which project a workflow, job, trigger or webhook auth method belongs to: what the routes need to
// ask the projects policy before touching it. Null when there is no such (live) item.
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';

const { workflows, jobs, triggers, webhookAuthMethods } = schema;

/** The project of a workflow that is not deleted. */
export async function projectOfWorkflow(db: Database, workflowId: string): Promise<string | null> {
  const [row] = await db
    .select({ projectId: workflows.projectId })
    .from(workflows)
    .where(and(eq(workflows.id, workflowId), isNull(workflows.deletedAt)));
  return row?.projectId ?? null;
}

export async function projectOfJob(db: Database, jobId: string): Promise<string | null> {
  const [row] = await db
    .select({ projectId: workflows.projectId })
    .from(jobs)
    .innerJoin(workflows, eq(workflows.id, jobs.workflowId))
    .where(and(eq(jobs.id, jobId), isNull(workflows.deletedAt)));
  return row?.projectId ?? null;
}

export async function projectOfTrigger(db: Database, triggerId: string): Promise<string | null> {
  const [row] = await db
    .select({ projectId: workflows.projectId })
    .from(triggers)
    .innerJoin(workflows, eq(workflows.id, triggers.workflowId))
    .where(and(eq(triggers.id, triggerId), isNull(workflows.deletedAt)));
  return row?.projectId ?? null;
}

export async function projectOfWebhookAuthMethod(
  db: Database,
  methodId: string,
): Promise<string | null> {
  const [row] = await db
    .select({ projectId: webhookAuthMethods.projectId })
    .from(webhookAuthMethods)
    .where(eq(webhookAuthMethods.id, methodId));
  return row?.projectId ?? null;
}

export async function projectExistsById(db: Database, projectId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: schema.projects.id })
    .from(schema.projects)
    .where(eq(schema.projects.id, projectId));
  return row !== undefined;
}
