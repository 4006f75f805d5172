// The set-based half of provisioning: the checks that need the database and the insert of new
// workflows, each one statement (per table, per 1,000 rows) for the whole document rather than a
// few statements per workflow. A document of 3,000 workflows is one project's provisions waiting on
// the project row's lock; as a loop of ~12 statements per workflow it held that lock for minutes
// (bench/provision.js measures it; the figure is in bench/README.md).
import { and, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import { type Database, executeCount, schema } from '../db/index.js';
import type { Vault } from '../vault/index.js';
import { publicTrigger } from './kafka-configuration.js';
import { withGraphs } from './read.js';
import { kafkaColumns, kafkaUpsertChanged, kafkaUpsertSet } from './save.js';
import type { FieldErrors, Workflow, WorkflowGraph } from './types.js';
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
  vault?: Vault,
): Promise<void> {
  if (created.length === 0) return;
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
  for (const part of chunks(jobRows(created))) await db.insert(jobs).values(part);
  for (const part of chunks(triggerRows(created, vault))) await db.insert(triggers).values(part);
  for (const part of chunks(edgeRows(created))) await db.insert(workflowEdges).values(part);

  // The first snapshot of each is its graph as written (the same rows, in the same order).
  await insertSnapshots(
    db,
    created.map(({ id, graph }) => ({ id, lockVersion: 1, graph })),
  );
}

/**
 * Writes changed existing workflows (already locked, checked and known to differ), as `writeWorkflow`
 * in save.ts does for one, one statement per table and chunk: the workflow rows (lock_version + 1),
 * the items the graphs no longer hold removed, the others upserted (a row whose fields are equal
 * is left alone, so a trigger's updated_at moves only when it changed), then each new version's
 * snapshot, read back as stored so it lists the items in the order the live workflow does.
 */
export async function updateChangedWorkflows(
  db: Database,
  changed: { row: typeof workflows.$inferSelect; current: Workflow; graph: WorkflowGraph }[],
  vault?: Vault,
): Promise<void> {
  if (changed.length === 0) return;
  for (const part of chunks(changed)) {
    const ids = part.map(({ row }) => row.id);
    const values = part.map(({ row, graph }) => ({
      id: row.id,
      name: graph.name,
      concurrency: graph.concurrency,
      enable_job_logs: graph.enable_job_logs,
    }));
    await executeCount(
      db,
      sql`UPDATE workflows AS w
          SET name = v.name, concurrency = v.concurrency, enable_job_logs = v.enable_job_logs,
              lock_version = w.lock_version + 1, updated_at = now()
          FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
            AS v(id uuid, name text, concurrency integer, enable_job_logs boolean)
          WHERE w.id = v.id`,
    );
    // Removals before upserts, so a name freed by a removed job can be taken by a new one (job
    // names are unique per workflow); an edge whose endpoint goes is removed by cascade.
    const keep = (kind: 'jobs' | 'triggers' | 'edges') => {
      const kept = part.flatMap(({ graph }) => graph[kind].map((item) => item.id));
      return kept.length > 0 ? kept : ['00000000-0000-0000-0000-000000000000'];
    };
    await db
      .delete(workflowEdges)
      .where(
        and(inArray(workflowEdges.workflowId, ids), notInArray(workflowEdges.id, keep('edges'))),
      );
    await db
      .delete(jobs)
      .where(and(inArray(jobs.workflowId, ids), notInArray(jobs.id, keep('jobs'))));
    await db
      .delete(triggers)
      .where(and(inArray(triggers.workflowId, ids), notInArray(triggers.id, keep('triggers'))));
    // Jobs that change name step aside first (a temporary name that cannot clash), so two jobs
    // swapping names do not trip the unique index in the middle of the upsert.
    const renamed = part.flatMap(({ current, graph }) => {
      const stored = new Map(current.jobs.map((job) => [job.id, job.name]));
      return graph.jobs
        .filter((job) => stored.has(job.id) && stored.get(job.id) !== job.name)
        .map((job) => job.id);
    });
    if (renamed.length > 0) {
      await db
        .update(jobs)
        .set({ name: sql`'~renaming~' || ${jobs.id}::text` })
        .where(inArray(jobs.id, renamed));
    }
  }
  const graphs = changed.map(({ row, graph }) => ({ id: row.id, graph }));
  for (const part of chunks(jobRows(graphs))) {
    await db
      .insert(jobs)
      .values(part)
      .onConflictDoUpdate({
        target: jobs.id,
        set: {
          name: sql`excluded.name`,
          body: sql`excluded.body`,
          adaptor: sql`excluded.adaptor`,
          projectCredentialId: sql`excluded.project_credential_id`,
          updatedAt: sql`now()`,
        },
        setWhere: sql`(jobs.name, jobs.body, jobs.adaptor, jobs.project_credential_id) IS DISTINCT FROM (excluded.name, excluded.body, excluded.adaptor, excluded.project_credential_id)`,
      });
  }
  for (const part of chunks(triggerRows(graphs, vault))) {
    await db
      .insert(triggers)
      .values(part)
      .onConflictDoUpdate({
        target: triggers.id,
        set: {
          type: sql`excluded.type`,
          enabled: sql`excluded.enabled`,
          cronExpression: sql`excluded.cron_expression`,
          webhookReply: sql`excluded.webhook_reply`,
          customPath: sql`excluded.custom_path`,
          comment: sql`excluded.comment`,
          ...kafkaUpsertSet,
          updatedAt: sql`now()`,
        },
        setWhere: sql`(triggers.type, triggers.enabled, triggers.cron_expression, triggers.webhook_reply, triggers.custom_path, triggers.comment) IS DISTINCT FROM (excluded.type, excluded.enabled, excluded.cron_expression, excluded.webhook_reply, excluded.custom_path, excluded.comment) OR ${kafkaUpsertChanged}`,
      });
  }
  for (const part of chunks(edgeRows(graphs))) {
    await db
      .insert(workflowEdges)
      .values(part)
      .onConflictDoUpdate({
        target: workflowEdges.id,
        set: {
          sourceJobId: sql`excluded.source_job_id`,
          sourceTriggerId: sql`excluded.source_trigger_id`,
          targetJobId: sql`excluded.target_job_id`,
          conditionType: sql`excluded.condition_type`,
          conditionExpression: sql`excluded.condition_expression`,
          conditionLabel: sql`excluded.condition_label`,
          enabled: sql`excluded.enabled`,
          updatedAt: sql`now()`,
        },
      });
  }
  for (const part of chunks(changed)) {
    const stored = await withGraphs(
      db,
      part.map(({ row, graph }) => ({
        ...row,
        name: graph.name,
        concurrency: graph.concurrency,
        enableJobLogs: graph.enable_job_logs,
      })),
    );
    await insertSnapshots(
      db,
      stored.map((workflow, i) => ({
        id: workflow.id,
        lockVersion: part[i]!.row.lockVersion + 1,
        graph: workflow,
      })),
    );
  }
}

type GraphOf = { id: string; graph: WorkflowGraph };
/** A row's inserted_at: items written together a microsecond apart, read back in this order. */
const at = (i: number) => sql`now() + ${i} * interval '1 microsecond'`;

const jobRows = (graphs: GraphOf[]) =>
  graphs.flatMap(({ id, graph }) =>
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

const triggerRows = (graphs: GraphOf[], vault: Vault | undefined) =>
  graphs.flatMap(({ id, graph }) =>
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
      ...kafkaColumns(trigger, vault),
    })),
  );

const edgeRows = (graphs: GraphOf[]) =>
  graphs.flatMap(({ id, graph }) =>
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

/** Snapshots of these versions, and their `snapshot_created` audit events (as Lightning records). */
async function insertSnapshots(
  db: Database,
  versions: { id: string; lockVersion: number; graph: WorkflowGraph }[],
): Promise<void> {
  for (const part of chunks(versions)) {
    const snapshots = await db
      .insert(workflowSnapshots)
      .values(
        part.map(({ id, lockVersion, graph }) => ({
          workflowId: id,
          name: graph.name,
          lockVersion,
          jobs: graph.jobs.map((job) => ({ ...job })),
          triggers: graph.triggers.map((trigger) => ({ ...publicTrigger(trigger) })),
          edges: graph.edges.map((edge) => ({ ...edge })),
        })),
      )
      .returning({
        id: workflowSnapshots.id,
        workflowId: workflowSnapshots.workflowId,
        lockVersion: workflowSnapshots.lockVersion,
      });
    await db.insert(auditEvents).values(
      snapshots.map((snapshot) => ({
        event: 'snapshot_created',
        itemType: 'workflow',
        itemId: snapshot.workflowId,
        changes: { after: { snapshot_id: snapshot.id, lock_version: snapshot.lockVersion } },
      })),
    );
  }
}
