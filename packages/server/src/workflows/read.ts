// Reading workflows with their graph, in the API's snake_case shape.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { NotFoundError } from '../http/errors.js';
import { type KafkaConfiguration, publicKafkaConfiguration } from './kafka-configuration.js';
import { afterCursor, type Page, type PageRequest, toPage } from './pagination.js';
import type { Edge, Job, Trigger, Workflow } from './types.js';

const { workflows, jobs, triggers, workflowEdges } = schema;

type WorkflowRow = typeof workflows.$inferSelect;
type JobRow = typeof jobs.$inferSelect;
type TriggerRow = typeof triggers.$inferSelect;
type EdgeRow = typeof workflowEdges.$inferSelect;

export const toJob = (row: JobRow): Job => ({
  id: row.id,
  name: row.name,
  body: row.body,
  adaptor: row.adaptor,
  project_credential_id: row.projectCredentialId,
});

export const toTrigger = (row: TriggerRow): Trigger => ({
  id: row.id,
  type: row.type,
  enabled: row.enabled,
  cron_expression: row.cronExpression,
  webhook_reply: row.webhookReply,
  custom_path: row.customPath,
  comment: row.comment,
  kafka_configuration:
    row.type === 'kafka' && row.kafkaConfiguration
      ? publicKafkaConfiguration(row.kafkaConfiguration as unknown as KafkaConfiguration)
      : null,
});

export const toEdge = (row: EdgeRow): Edge => ({
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
export async function withGraphs(db: Database, rows: WorkflowRow[]): Promise<Workflow[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  // One after the other, not in parallel: inside a transaction the three share one connection,
  // and node-postgres refuses (deprecates) overlapping queries on a client.
  const jobRows = await db
    .select()
    .from(jobs)
    .where(inArray(jobs.workflowId, ids))
    .orderBy(asc(jobs.insertedAt), asc(jobs.id));
  const triggerRows = await db
    .select()
    .from(triggers)
    .where(inArray(triggers.workflowId, ids))
    .orderBy(asc(triggers.insertedAt), asc(triggers.id));
  const edgeRows = await db
    .select()
    .from(workflowEdges)
    .where(inArray(workflowEdges.workflowId, ids))
    .orderBy(asc(workflowEdges.insertedAt), asc(workflowEdges.id));
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
export async function getWorkflow(db: Database, id: string): Promise<Workflow> {
  const rows = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, id), isNull(workflows.deletedAt)));
  const [workflow] = await withGraphs(db, rows);
  if (!workflow) throw new NotFoundError(`Workflow ${id} not found`);
  return workflow;
}

export interface ListWorkflowsOptions {
  projectId?: string;
  /** Only these projects' workflows (what the caller may see); absent: every project. */
  projectIds?: readonly string[];
  includeDeleted?: boolean;
  /** One page (keyset); all when absent. */
  page?: PageRequest;
}

/** Workflows (oldest first), of one project or of all; deleted ones only when asked. */
export async function listWorkflows(
  db: Database,
  options: ListWorkflowsOptions = {},
): Promise<Workflow[]> {
  return (await listWorkflowsPage(db, options)).data;
}

/** Like listWorkflows, one page at a time, with the cursor of the next. */
export async function listWorkflowsPage(
  db: Database,
  options: ListWorkflowsOptions = {},
): Promise<Page<Workflow>> {
  const conditions = [];
  if (options.projectId) conditions.push(eq(workflows.projectId, options.projectId));
  if (options.projectIds) {
    conditions.push(
      options.projectIds.length > 0
        ? inArray(workflows.projectId, [...options.projectIds])
        : sql`false`,
    );
  }
  if (!options.includeDeleted) conditions.push(isNull(workflows.deletedAt));
  const page = options.page;
  if (page) conditions.push(afterCursor(workflows.insertedAt, workflows.id, page));
  const query = db
    .select()
    .from(workflows)
    .where(and(...conditions))
    .orderBy(asc(workflows.insertedAt), asc(workflows.id));
  const rows = page ? await query.limit(page.pageSize + 1) : await query;
  const result = page
    ? toPage(rows, page, (row) => ({ insertedAt: row.insertedAt, id: row.id }))
    : { data: rows, meta: { page_size: rows.length, next_cursor: null } };
  return { data: await withGraphs(db, result.data), meta: result.meta };
}

export interface JobWithWorkflow extends Job {
  workflow_id: string;
  project_id: string;
  inserted_at: string;
  updated_at: string;
}

/** Jobs of live workflows (of one project, or all), oldest first. */
export async function listJobs(
  db: Database,
  options: { projectId?: string; id?: string } = {},
): Promise<JobWithWorkflow[]> {
  return (await listJobsPage(db, options)).data;
}

/** Like listJobs, one page at a time, with the cursor of the next. */
export async function listJobsPage(
  db: Database,
  options: {
    projectId?: string;
    /** Only these projects' jobs (what the caller may see); absent: every project. */
    projectIds?: readonly string[];
    id?: string;
    page?: PageRequest;
  } = {},
): Promise<Page<JobWithWorkflow>> {
  const conditions = [isNull(workflows.deletedAt)];
  if (options.projectId) conditions.push(eq(workflows.projectId, options.projectId));
  if (options.projectIds) {
    conditions.push(
      options.projectIds.length > 0
        ? inArray(workflows.projectId, [...options.projectIds])
        : sql`false`,
    );
  }
  if (options.id) conditions.push(eq(jobs.id, options.id));
  const page = options.page;
  const keyset = page ? afterCursor(jobs.insertedAt, jobs.id, page) : undefined;
  if (keyset) conditions.push(keyset);
  const query = db
    .select({ job: jobs, projectId: workflows.projectId })
    .from(jobs)
    .innerJoin(workflows, eq(workflows.id, jobs.workflowId))
    .where(and(...conditions))
    .orderBy(asc(jobs.insertedAt), asc(jobs.id));
  const rows = page ? await query.limit(page.pageSize + 1) : await query;
  const result = page
    ? toPage(rows, page, (row) => ({ insertedAt: row.job.insertedAt, id: row.job.id }))
    : { data: rows, meta: { page_size: rows.length, next_cursor: null } };
  return { data: result.data.map(toJobWithWorkflow), meta: result.meta };
}

function toJobWithWorkflow({
  job,
  projectId,
}: {
  job: JobRow;
  projectId: string;
}): JobWithWorkflow {
  return {
    ...toJob(job),
    workflow_id: job.workflowId,
    project_id: projectId,
    inserted_at: job.insertedAt,
    updated_at: job.updatedAt,
  };
}

/** One job of a live workflow; 404 otherwise. */
export async function getJob(db: Database, id: string): Promise<JobWithWorkflow> {
  const [job] = await listJobs(db, { id });
  if (!job) throw new NotFoundError(`Job ${id} not found`);
  return job;
}
