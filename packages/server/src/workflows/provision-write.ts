// The set-based half of provisioning: the checks that need the database and the insert of new
// workflows, each one statement (per table, per 1,000 rows) for the whole document rather than a
// few statements per workflow. A document of 3,000 workflows is one project's provisions waiting on
// the project row's lock; as a loop of ~12 statements per workflow it held that lock for minutes
// (bench/provision.js measures it; the figure is in bench/README.md).
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import type { FieldErrors, WorkflowGraph } from './types.js';
import { addError } from './validation.js';

const { workflows, jobs, triggers, workflowEdges, workflowSnapshots, auditEvents } = schema;

/** Rows per statement: far below PostgreSQL's 65,535 parameters for the widest table (9 columns). */
const CHUNK = 1000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export interface PlannedGraph {
  /** The workflow's id (new or stored). */
  workflowId: string;
  graph: WorkflowGraph;
  /** A path in the graph (`jobs[2].id`) as the document's path (`workflows[3].jobs[0].id`). */
  at: (path: string) => string;
}

/**
 * The database rules of every planned workflow at once (the same rules as `checkGraphAgainstDatabase`
 * in save.ts for one): job, trigger and edge ids not taken by another workflow, custom webhook paths
 * free on the instance, workflow names unique among the project's live workflows. `deleting` are
 * workflows this document deletes: their names are free for the others.
 */
export async function checkGraphsAgainstDatabase(
  db: Database,
  projectId: string,
  planned: PlannedGraph[],
  deleting: ReadonlySet<string>,
): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const owners = async (
    table: typeof jobs | typeof triggers | typeof workflowEdges,
    kind: 'jobs' | 'triggers' | 'edges',
  ) => {
    const claims = planned.flatMap((plan) =>
      plan.graph[kind].map((item, i) => ({ id: item.id, plan, i })),
    );
    const stored = new Map<string, string>();
    for (const part of chunks(claims)) {
      const rows = await db
        .select({ id: table.id, workflowId: table.workflowId })
        .from(table)
        .where(
          inArray(
            table.id,
            part.map((claim) => claim.id),
          ),
        );
      for (const row of rows) stored.set(row.id, row.workflowId);
    }
    for (const claim of claims) {
      const owner = stored.get(claim.id);
      if (owner !== undefined && owner !== claim.plan.workflowId) {
        addError(errors, claim.plan.at(`${kind}[${claim.i}].id`), 'belongs to another workflow');
      }
    }
  };
  await owners(jobs, 'jobs');
  await owners(triggers, 'triggers');
  await owners(workflowEdges, 'edges');

  // `/i/<custom path>` is one namespace for the whole instance.
  const paths = planned.flatMap((plan) =>
    plan.graph.triggers.flatMap((trigger, i) =>
      trigger.custom_path === null ? [] : [{ path: trigger.custom_path, plan, i }],
    ),
  );
  for (const part of chunks(paths)) {
    const rows = await db
      .select({ customPath: triggers.customPath, workflowId: triggers.workflowId })
      .from(triggers)
      .where(
        inArray(
          triggers.customPath,
          part.map((claim) => claim.path),
        ),
      );
    for (const claim of part) {
      if (
        rows.some(
          (row) => row.customPath === claim.path && row.workflowId !== claim.plan.workflowId,
        )
      ) {
        addError(
          errors,
          claim.plan.at(`triggers[${claim.i}].custom_path`),
          'is used by another trigger',
        );
      }
    }
  }

  const plannedIds = new Set(planned.map((plan) => plan.workflowId));
  const others = await db
    .select({ id: workflows.id, name: workflows.name })
    .from(workflows)
    .where(and(eq(workflows.projectId, projectId), isNull(workflows.deletedAt)));
  const taken = new Set(
    others.filter((row) => !plannedIds.has(row.id) && !deleting.has(row.id)).map((row) => row.name),
  );
  for (const plan of planned) {
    if (taken.has(plan.graph.name)) {
      addError(
        errors,
        plan.at('name'),
        `"${plan.graph.name}" is the name of another workflow of this project`,
      );
    }
  }
  return errors;
}

/**
 * Inserts new workflows with their graphs, their first snapshots and the `snapshot_created` audit
 * events, one statement per table and chunk. Must run in the caller's transaction, after every
 * check passed. `position` orders them as the document listed them (workflows are read in
 * inserted_at order; rows inserted together are a microsecond apart, as in save.ts).
 */
export async function insertNewWorkflows(
  db: Database,
  projectId: string,
  created: { id: string; graph: WorkflowGraph; position: number }[],
): Promise<void> {
  if (created.length === 0) return;
  const at = (i: number) => sql`now() + ${i} * interval '1 microsecond'`;
  for (const part of chunks(created)) {
    await db.insert(workflows).values(
      part.map(({ id, graph, position }) => ({
        id,
        insertedAt: at(position),
        projectId,
        name: graph.name,
        concurrency: graph.concurrency,
        enableJobLogs: graph.enable_job_logs,
        lockVersion: 1,
      })),
    );
  }
  const jobRows = created.flatMap(({ id, graph }) =>
    graph.jobs.map((job, i) => ({
      id: job.id,
      workflowId: id,
      insertedAt: at(i),
      name: job.name,
      body: job.body,
      adaptor: job.adaptor,
      projectCredentialId: job.project_credential_id,
    })),
  );
  for (const part of chunks(jobRows)) await db.insert(jobs).values(part);
  const triggerRows = created.flatMap(({ id, graph }) =>
    graph.triggers.map((trigger, i) => ({
      id: trigger.id,
      workflowId: id,
      insertedAt: at(i),
      type: trigger.type,
      enabled: trigger.enabled,
      cronExpression: trigger.cron_expression,
      webhookReply: trigger.webhook_reply,
      customPath: trigger.custom_path,
      comment: trigger.comment,
    })),
  );
  for (const part of chunks(triggerRows)) await db.insert(triggers).values(part);
  const edgeRows = created.flatMap(({ id, graph }) =>
    graph.edges.map((edge, i) => ({
      id: edge.id,
      workflowId: id,
      insertedAt: at(i),
      sourceJobId: edge.source_job_id,
      sourceTriggerId: edge.source_trigger_id,
      targetJobId: edge.target_job_id,
      conditionType: edge.condition_type,
      conditionExpression: edge.condition_expression,
      conditionLabel: edge.condition_label,
      enabled: edge.enabled,
    })),
  );
  for (const part of chunks(edgeRows)) await db.insert(workflowEdges).values(part);

  // The first snapshot of each is its graph as written (the same rows, in the same order).
  for (const part of chunks(created)) {
    const snapshots = await db
      .insert(workflowSnapshots)
      .values(
        part.map(({ id, graph }) => ({
          workflowId: id,
          name: graph.name,
          lockVersion: 1,
          jobs: graph.jobs.map((job) => ({ ...job })),
          triggers: graph.triggers.map((trigger) => ({ ...trigger })),
          edges: graph.edges.map((edge) => ({ ...edge })),
        })),
      )
      .returning({ id: workflowSnapshots.id, workflowId: workflowSnapshots.workflowId });
    // Lightning records each new version in the audit trail as `snapshot_created`.
    await db.insert(auditEvents).values(
      snapshots.map((snapshot) => ({
        event: 'snapshot_created',
        itemType: 'workflow',
        itemId: snapshot.workflowId,
        changes: { after: { snapshot_id: snapshot.id, lock_version: 1 } },
      })),
    );
  }
}
