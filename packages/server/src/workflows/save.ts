// Saving a workflow: its own fields and its whole graph (jobs, triggers, edges) replace what was
// stored, in one transaction that also bumps lock_version and writes the snapshot of the new version.
//
// Optimistic locking: the save names the lock_version it was based on; the workflow row is locked
// (FOR UPDATE) and compared, so of two editors who read the same version, the second to save gets
// 409 instead of silently overwriting the first. A save that changes nothing is a no-op: no new
// version, no snapshot.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, ne, notInArray, sql } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { ConflictError, emptyFieldErrors, NotFoundError, ValidationError } from '../http/errors.js';
import type { Vault } from '../vault/index.js';
import { checkKafkaTriggers, publicKafkaConfiguration } from './kafka-configuration.js';
import { toTrigger, withGraphs } from './read.js';
import { insertSnapshot } from './snapshots.js';
import type { FieldErrors, Workflow, WorkflowGraph } from './types.js';
import { addError } from './validation.js';

const { workflows, jobs, triggers, workflowEdges, projectCredentials, projects } = schema;

type WorkflowRow = typeof workflows.$inferSelect;

/** Sorted, canonical text of a graph: equal texts mean a save would change nothing. */
export function graphFingerprint(graph: WorkflowGraph): string {
  const byId = <T extends { id: string }>(items: T[]) =>
    [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return JSON.stringify([
    graph.name,
    graph.concurrency,
    graph.enable_job_logs,
    byId(graph.jobs),
    byId(graph.triggers),
    byId(graph.edges),
  ]);
}

/** The live graph of a stored workflow, in the shape a save carries. */
export function toGraph(workflow: Workflow): WorkflowGraph {
  return {
    name: workflow.name,
    concurrency: workflow.concurrency,
    enable_job_logs: workflow.enable_job_logs,
    jobs: workflow.jobs,
    triggers: workflow.triggers,
    edges: workflow.edges,
  };
}

/** Locks and loads a workflow row inside the caller's transaction. */
export async function lockWorkflow(db: Database, id: string): Promise<WorkflowRow | undefined> {
  const [row] = await db.select().from(workflows).where(eq(workflows.id, id)).for('update');
  return row;
}

/**
 * The rules that need the database: ids not taken by another workflow, credentials of this project,
 * a workflow name unique in the project. Errors are keyed with `prefix` like the static ones.
 */
export async function checkGraphAgainstDatabase(
  db: Database,
  projectId: string,
  workflowId: string,
  graph: WorkflowGraph,
  prefix = '',
  kafka: KafkaSaveOptions = {},
): Promise<FieldErrors> {
  const errors: FieldErrors = emptyFieldErrors();
  await checkKafkaAgainstDatabase(db, graph, kafka, (path, message) =>
    addError(errors, `${prefix}${path}`, message),
  );
  const foreign = async (
    table: typeof jobs | typeof triggers | typeof workflowEdges,
    items: { id: string }[],
    kind: string,
  ) => {
    if (items.length === 0) return;
    const taken = await db
      .select({ id: table.id })
      .from(table)
      .where(
        and(
          inArray(
            table.id,
            items.map((item) => item.id),
          ),
          ne(table.workflowId, workflowId),
        ),
      );
    const takenIds = new Set(taken.map((row) => row.id));
    items.forEach((item, i) => {
      if (takenIds.has(item.id)) {
        addError(errors, `${prefix}${kind}[${i}].id`, 'belongs to another workflow');
      }
    });
  };
  await foreign(jobs, graph.jobs, 'jobs');
  await foreign(triggers, graph.triggers, 'triggers');
  await foreign(workflowEdges, graph.edges, 'edges');

  const credentialIds = [
    ...new Set(graph.jobs.map((job) => job.project_credential_id).filter((id) => id !== null)),
  ];
  if (credentialIds.length > 0) {
    const known = await db
      .select({ id: projectCredentials.id })
      .from(projectCredentials)
      .where(
        and(
          inArray(projectCredentials.id, credentialIds),
          eq(projectCredentials.projectId, projectId),
        ),
      );
    const knownIds = new Set(known.map((row) => row.id));
    graph.jobs.forEach((job, i) => {
      if (job.project_credential_id && !knownIds.has(job.project_credential_id)) {
        addError(
          errors,
          `${prefix}jobs[${i}].project_credential_id`,
          'must be a credential of this project',
        );
      }
    });
  }

  // `/i/<custom path>` is one namespace for the whole instance.
  const paths = graph.triggers.filter((trigger) => trigger.custom_path !== null);
  if (paths.length > 0) {
    const taken = await db
      .select({ customPath: triggers.customPath })
      .from(triggers)
      .where(
        and(
          inArray(
            triggers.customPath,
            paths.map((trigger) => trigger.custom_path!),
          ),
          ne(triggers.workflowId, workflowId),
        ),
      );
    const takenPaths = new Set(taken.map((row) => row.customPath));
    graph.triggers.forEach((trigger, i) => {
      if (trigger.custom_path !== null && takenPaths.has(trigger.custom_path)) {
        addError(errors, `${prefix}triggers[${i}].custom_path`, 'is used by another trigger');
      }
    });
  }

  const [sameName] = await db
    .select({ id: workflows.id })
    .from(workflows)
    .where(
      and(
        eq(workflows.projectId, projectId),
        eq(workflows.name, graph.name),
        ne(workflows.id, workflowId),
        isNull(workflows.deletedAt),
      ),
    );
  if (sameName) {
    addError(
      errors,
      `${prefix}name`,
      `"${graph.name}" is the name of another workflow of this project`,
    );
  }
  return errors;
}

/** What saving kafka triggers needs: whether they are enabled, and the vault for their secrets. */
export interface KafkaSaveOptions {
  /** KAFKA_TRIGGERS_ENABLED; off (the default), kafka triggers can be read but not added or changed. */
  enabled?: boolean;
  vault?: Vault;
}

/** Stored triggers with these ids (any workflow), with whether SASL credentials are stored. */
export async function storedTriggers(db: Database, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await db.select().from(triggers).where(inArray(triggers.id, ids));
  return rows.map((row) => ({
    ...toTrigger(row),
    has_kafka_credentials: row.kafkaUsername !== null && row.kafkaPassword !== null,
  }));
}

/** The kafka rules of checkKafkaTriggers against the stored triggers of this graph. */
export async function checkKafkaAgainstDatabase(
  db: Database,
  graph: WorkflowGraph,
  kafka: KafkaSaveOptions,
  at: (path: string, message: string) => void,
): Promise<void> {
  const stored = await storedTriggers(
    db,
    graph.triggers.map((trigger) => trigger.id),
  );
  if (graph.triggers.every((t) => t.type !== 'kafka') && stored.every((t) => t.type !== 'kafka')) {
    return;
  }
  checkKafkaTriggers(graph.triggers, stored, { enabled: kafka.enabled ?? false }, (i, field, m) =>
    at(`triggers[${i}].${field}`, m),
  );
}

/**
 * A trigger's row values for the kafka columns: the configuration without secrets, and the secrets
 * given in this save encrypted (null keeps the stored ones; see triggerKafkaSecretsUpsert).
 */
export function kafkaColumns(
  trigger: WorkflowGraph['triggers'][number],
  vault: Vault | undefined,
): {
  kafkaConfiguration: Record<string, unknown> | null;
  kafkaUsername: Buffer | null;
  kafkaPassword: Buffer | null;
} {
  const config = trigger.type === 'kafka' ? trigger.kafka_configuration : null;
  const seal = (value: string | null) => {
    if (value === null || !config?.sasl) return null;
    if (!vault) throw new Error('Saving Kafka SASL credentials needs the vault');
    return vault.encryptString(value);
  };
  return {
    kafkaConfiguration: config
      ? (publicKafkaConfiguration(config) as unknown as Record<string, unknown>)
      : null,
    kafkaUsername: seal(config?.username ?? null),
    kafkaPassword: seal(config?.password ?? null),
  };
}

/**
 * The upsert's SET for the kafka columns: new secrets replace the stored ones, null keeps them,
 * and a trigger without SASL (or no longer kafka) keeps none.
 */
export const kafkaUpsertSet = {
  kafkaConfiguration: sql`excluded.kafka_configuration`,
  kafkaUsername: sql`CASE WHEN excluded.kafka_configuration->>'sasl' IS NULL THEN NULL ELSE COALESCE(excluded.kafka_username, triggers.kafka_username) END`,
  kafkaPassword: sql`CASE WHEN excluded.kafka_configuration->>'sasl' IS NULL THEN NULL ELSE COALESCE(excluded.kafka_password, triggers.kafka_password) END`,
};
export const kafkaUpsertChanged = sql`triggers.kafka_configuration IS DISTINCT FROM excluded.kafka_configuration OR excluded.kafka_username IS NOT NULL OR excluded.kafka_password IS NOT NULL OR (excluded.kafka_configuration->>'sasl' IS NULL AND (triggers.kafka_username IS NOT NULL OR triggers.kafka_password IS NOT NULL))`;

export interface WriteWorkflowOptions {
  projectId: string;
  /** Existing workflow (already locked with `lockWorkflow`), or undefined to create one. */
  existing: WorkflowRow | undefined;
  /** Id for a new workflow; generated when absent. */
  id?: string;
  graph: WorkflowGraph;
  /** Position among workflows created in the same transaction, to keep their order on reading. */
  position?: number;
  kafka?: KafkaSaveOptions;
}

/**
 * Writes the workflow row (new lock_version), its graph and the snapshot. Must run inside a
 * transaction after validation; returns the new lock version.
 */
export async function writeWorkflow(db: Database, options: WriteWorkflowOptions): Promise<string> {
  const { graph, existing } = options;
  let workflowId: string;
  let lockVersion: number;
  if (existing) {
    workflowId = existing.id;
    lockVersion = existing.lockVersion + 1;
    await db
      .update(workflows)
      .set({
        name: graph.name,
        concurrency: graph.concurrency,
        enableJobLogs: graph.enable_job_logs,
        lockVersion,
        updatedAt: sql`now()`,
      })
      .where(eq(workflows.id, workflowId));
  } else {
    workflowId = options.id ?? randomUUID();
    lockVersion = 1;
    await db.insert(workflows).values({
      id: workflowId,
      insertedAt: sql`now() + ${options.position ?? 0} * interval '1 microsecond'`,
      projectId: options.projectId,
      name: graph.name,
      concurrency: graph.concurrency,
      enableJobLogs: graph.enable_job_logs,
      lockVersion,
    });
  }
  await writeGraph(db, workflowId, graph, options.kafka?.vault);
  // The snapshot copies the rows as stored (and ordered) now, so it reads exactly like the live
  // workflow of the same version.
  await insertSnapshot(db, workflowId, lockVersion, toGraph(await loadWorkflow(db, workflowId)));
  return workflowId;
}

/**
 * Replaces the stored graph with `graph`: rows missing from it are deleted, the others upserted.
 * An upsert leaves a row (and its updated_at) untouched when nothing in it changed; the cron
 * scheduler relies on a trigger's updated_at moving only when the trigger itself changes.
 */
async function writeGraph(
  db: Database,
  workflowId: string,
  graph: WorkflowGraph,
  vault: Vault | undefined,
): Promise<void> {
  // Lists are read in inserted_at order; rows inserted together get one microsecond apart so a new
  // workflow reads back in the order it was written.
  const position = (i: number) => sql`now() + ${i} * interval '1 microsecond'`;
  const keep = <T extends { id: string }>(items: T[]) =>
    items.length > 0 ? items.map((item) => item.id) : [randomUUID()];
  // Removals before upserts, so a name freed by a removed job can be taken by a new one in the
  // same save (job names are unique per workflow). An edge whose old endpoint is removed goes with
  // it by cascade and is inserted again by the upsert below.
  await db
    .delete(workflowEdges)
    .where(
      and(
        eq(workflowEdges.workflowId, workflowId),
        notInArray(workflowEdges.id, keep(graph.edges)),
      ),
    );
  await db
    .delete(jobs)
    .where(and(eq(jobs.workflowId, workflowId), notInArray(jobs.id, keep(graph.jobs))));
  await db
    .delete(triggers)
    .where(and(eq(triggers.workflowId, workflowId), notInArray(triggers.id, keep(graph.triggers))));

  // Jobs that change name step aside first (a temporary name that cannot clash): two jobs swapping
  // names would otherwise trip the unique index in the middle of the upsert.
  const stored = await db
    .select({ id: jobs.id, name: jobs.name })
    .from(jobs)
    .where(eq(jobs.workflowId, workflowId));
  const wanted = new Map(graph.jobs.map((job) => [job.id, job.name]));
  const renamed = stored.filter((job) => wanted.has(job.id) && wanted.get(job.id) !== job.name);
  if (renamed.length > 1) {
    await db
      .update(jobs)
      .set({ name: sql`'~renaming~' || ${jobs.id}::text` })
      .where(
        inArray(
          jobs.id,
          renamed.map((job) => job.id),
        ),
      );
  }

  if (graph.jobs.length > 0) {
    await db
      .insert(jobs)
      .values(
        graph.jobs.map((job, i) => ({
          id: job.id,
          workflowId,
          insertedAt: position(i),
          name: job.name,
          body: job.body,
          adaptor: job.adaptor,
          projectCredentialId: job.project_credential_id,
        })),
      )
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
  if (graph.triggers.length > 0) {
    await db
      .insert(triggers)
      .values(
        graph.triggers.map((trigger, i) => ({
          id: trigger.id,
          workflowId,
          insertedAt: position(i),
          type: trigger.type,
          enabled: trigger.enabled,
          cronExpression: trigger.cron_expression,
          webhookReply: trigger.webhook_reply,
          customPath: trigger.custom_path,
          comment: trigger.comment,
          ...kafkaColumns(trigger, vault),
        })),
      )
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
  if (graph.edges.length > 0) {
    await db
      .insert(workflowEdges)
      .values(
        graph.edges.map((edge, i) => ({
          id: edge.id,
          workflowId,
          insertedAt: position(i),
          sourceJobId: edge.source_job_id,
          sourceTriggerId: edge.source_trigger_id,
          targetJobId: edge.target_job_id,
          conditionType: edge.condition_type,
          conditionExpression: edge.condition_expression,
          conditionLabel: edge.condition_label,
          enabled: edge.enabled,
        })),
      )
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
}

/** 404 unless the project exists. */
export async function assertProjectExists(db: Database, projectId: string): Promise<void> {
  const [row] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!row) throw new NotFoundError(`Project ${projectId} not found`);
}

/** 409 when the client's version is not the stored one. */
export function assertLockVersion(row: WorkflowRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.lockVersion) {
    throw new ConflictError(
      `Workflow "${row.name}" was changed by someone else: you edited version ${expected}, it is now at version ${row.lockVersion}. Reload it and apply your changes again.`,
      { lock_version: row.lockVersion },
    );
  }
}

/**
 * Turns a unique-index violation raised while writing into a 422 (a race the checks before the
 * write could not see, e.g. two jobs swapping names); anything else is rethrown.
 */
export function rethrowConstraintError(error: unknown, prefix = ''): never {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  const cause = (error as { cause?: { code?: string; constraint?: string } })?.cause;
  const pgCode = code ?? cause?.code;
  const pgConstraint = constraint ?? cause?.constraint;
  if (pgCode === '23514' && pgConstraint === 'runs_starting_node_check') {
    // Runs keep pointing at the trigger or job they started from; Lightning never deletes a
    // trigger either (its type is changed, or it is disabled).
    throw new ConflictError(
      'A trigger or job this save removes has started runs, so it cannot be deleted: disable the trigger (or keep the job) instead',
    );
  }
  if (pgCode === '23505') {
    const field =
      pgConstraint === 'jobs_workflow_id_name_index'
        ? 'jobs'
        : pgConstraint === 'workflows_project_id_name_index'
          ? 'name'
          : '(body)';
    throw new ValidationError('The workflow could not be saved', {
      [`${prefix}${field}`]: [`must be unique (${pgConstraint ?? 'unique constraint'})`],
    });
  }
  throw error;
}

/** Loads the saved workflow after a write (inside or outside the transaction). */
export async function loadWorkflow(db: Database, id: string): Promise<Workflow> {
  const rows = await db.select().from(workflows).where(eq(workflows.id, id));
  const [workflow] = await withGraphs(db, rows);
  if (!workflow) throw new NotFoundError(`Workflow ${id} not found`);
  return workflow;
}
