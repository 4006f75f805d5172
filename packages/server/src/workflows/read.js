// Reading workflows with their graph, in the API's snake_case shape.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { schema } from '../db/index.js';
import { NotFoundError } from '../http/errors.js';

const { workflows, jobs, triggers, workflowEdges } = schema;
export const toJob = (row) => ({
  id: row.id,
  name: row.name,
  body: row.body,
  adaptor: row.adaptor,
  project_credential_id: row.projectCredentialId,
});
export const toTrigger = (row) => ({
  id: row.id,
  type: row.type,
  enabled: row.enabled,
  cron_expression: row.cronExpression,
  webhook_reply: row.webhookReply,
  custom_path: row.customPath,
});
export const toEdge = (row) => ({
  id: row.id,
  source_job_id: row.sourceJobId,
  source_trigger_id: row.sourceTriggerId,
  target_job_id: row.targetJobId,
  condition_type: row.conditionType,
  condition_expression: row.conditionExpression,
  condition_label: row.conditionLabel,
  enabled: row.enabled,
});
/** Loads the graphs of the given workflow rows (three queries, whatever their number). */
export async function withGraphs(db, rows) {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [jobRows, triggerRows, edgeRows] = await Promise.all([
    db
      .select()
      .from(jobs)
      .where(inArray(jobs.workflowId, ids))
      .orderBy(asc(jobs.insertedAt), asc(jobs.id)),
    db
      .select()
      .from(triggers)
      .where(inArray(triggers.workflowId, ids))
      .orderBy(asc(triggers.insertedAt), asc(triggers.id)),
    db
      .select()
      .from(workflowEdges)
      .where(inArray(workflowEdges.workflowId, ids))
      .orderBy(asc(workflowEdges.insertedAt), asc(workflowEdges.id)),
  ]);
  return rows.map((row) => ({
    id: row.id,
    project_id: row.projectId,
    name: row.name,
    concurrency: row.concurrency,
    enable_job_logs: row.enableJobLogs,
    lock_version: row.lockVersion,
    inserted_at: row.insertedAt,
    updated_at: row.updatedAt,
    deleted_at: row.deletedAt ? row.deletedAt.toISOString() : null,
    jobs: jobRows.filter((job) => job.workflowId === row.id).map(toJob),
    triggers: triggerRows.filter((trigger) => trigger.workflowId === row.id).map(toTrigger),
    edges: edgeRows.filter((edge) => edge.workflowId === row.id).map(toEdge),
  }));
}
/** The workflow with its jobs, triggers and edges; 404 when unknown or deleted. */
export async function getWorkflow(db, id) {
  const rows = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, id), isNull(workflows.deletedAt)));
  const [workflow] = await withGraphs(db, rows);
  if (!workflow) throw new NotFoundError(`Workflow ${id} not found`);
  return workflow;
}
/** Workflows (oldest first), of one project or of all; deleted ones only when asked. */
export async function listWorkflows(db, options = {}) {
  const conditions = [];
  if (options.projectId) conditions.push(eq(workflows.projectId, options.projectId));
  if (!options.includeDeleted) conditions.push(isNull(workflows.deletedAt));
  const rows = await db
    .select()
    .from(workflows)
    .where(and(...conditions))
    .orderBy(asc(workflows.insertedAt), asc(workflows.id));
  return withGraphs(db, rows);
}
//# sourceMappingURL=read.js.map
