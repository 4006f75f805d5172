// The workflow operations the API (and later the web app) call: create, update, delete. Each takes
// plain data and returns the stored workflow; authorization is a layer around these, not in them.
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { NotFoundError } from '../http/errors.js';
import { settleKafkaConfigurations } from './kafka-configuration.js';
import {
  assertLockVersion,
  assertProjectExists,
  checkGraphAgainstDatabase,
  graphFingerprint,
  type KafkaSaveOptions,
  loadWorkflow,
  lockWorkflow,
  rethrowConstraintError,
  toGraph,
  writeWorkflow,
} from './save.js';
import { insertSnapshot } from './snapshots.js';
import type { Workflow } from './types.js';
import {
  assertNoErrors,
  normalizeGraph,
  validateWorkflowGraph,
  type WorkflowInput,
} from './validation.js';

const { workflows, triggers } = schema;

/**
 * Creates a workflow with its graph in `projectId`; version 1 and its snapshot are written in the
 * same transaction.
 *
 * @example
 * const workflow = await createWorkflow(db, projectId, { name: 'intake', jobs: [...], triggers: [...], edges: [...] });
 */
export async function createWorkflow(
  db: Database,
  projectId: string,
  input: WorkflowInput & { id?: string },
  kafka: KafkaSaveOptions = {},
): Promise<Workflow> {
  const normalized = normalizeGraph(input);
  const graph = {
    ...normalized,
    triggers: settleKafkaConfigurations(normalized.triggers, undefined),
  };
  assertNoErrors(validateWorkflowGraph(graph), 'The workflow is not valid');
  const id = input.id ?? randomUUID();
  try {
    return await db.transaction(async (tx) => {
      await assertProjectExists(tx, projectId);
      assertNoErrors(
        await checkGraphAgainstDatabase(tx, projectId, id, graph, '', kafka),
        'The workflow is not valid',
      );
      await writeWorkflow(tx, { projectId, existing: undefined, id, graph, kafka });
      return loadWorkflow(tx, id);
    });
  } catch (error) {
    return rethrowConstraintError(error);
  }
}

/**
 * Replaces a workflow's fields and graph. `input.lock_version` must be the version the client
 * read: a stale one is refused with 409. A save that changes nothing returns the workflow as is.
 */
export async function updateWorkflow(
  db: Database,
  id: string,
  input: WorkflowInput,
  kafka: KafkaSaveOptions = {},
): Promise<Workflow> {
  const normalized = normalizeGraph(input);
  assertNoErrors(validateWorkflowGraph(normalized), 'The workflow is not valid');
  try {
    return await db.transaction(async (tx) => {
      const row = await lockWorkflow(tx, id);
      if (!row || row.deletedAt) throw new NotFoundError(`Workflow ${id} not found`);
      assertLockVersion(row, input.lock_version);
      const current = await loadWorkflow(tx, id);
      const graph = {
        ...normalized,
        triggers: settleKafkaConfigurations(normalized.triggers, current.triggers),
      };
      if (graphFingerprint(toGraph(current)) === graphFingerprint(graph)) return current;
      assertNoErrors(
        await checkGraphAgainstDatabase(tx, row.projectId, id, graph, '', kafka),
        'The workflow is not valid',
      );
      await writeWorkflow(tx, { projectId: row.projectId, existing: row, graph, kafka });
      return loadWorkflow(tx, id);
    });
  } catch (error) {
    return rethrowConstraintError(error);
  }
}

/**
 * Deletes a workflow the way Lightning does: it is kept for its history (work orders, runs) but
 * marked deleted, renamed `<name>_del<n>` so the name is free again, and its triggers disabled.
 */
export async function deleteWorkflow(
  db: Database,
  id: string,
  expectedLockVersion?: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await lockWorkflow(tx, id);
    if (!row || row.deletedAt) throw new NotFoundError(`Workflow ${id} not found`);
    assertLockVersion(row, expectedLockVersion);
    await softDeleteWorkflow(tx, row.id);
  });
}

/** Marks a locked workflow deleted (inside the caller's transaction) and snapshots the result. */
export async function softDeleteWorkflow(tx: Database, id: string): Promise<void> {
  const current = await loadWorkflow(tx, id);
  const [{ count }] = (await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(workflows)
    .where(
      and(
        eq(workflows.projectId, current.project_id),
        sql`${workflows.name} LIKE ${`${current.name}_del%`}`,
      ),
    )) as [{ count: number }];
  const name = `${current.name}_del${String(count + 1).padStart(4, '0')}`;
  const lockVersion = current.lock_version + 1;
  await tx
    .update(triggers)
    .set({ enabled: false, updatedAt: sql`now()` })
    .where(and(eq(triggers.workflowId, id), eq(triggers.enabled, true)));
  await tx
    .update(workflows)
    .set({ name, lockVersion, deletedAt: new Date(), updatedAt: sql`now()` })
    .where(and(eq(workflows.id, id), isNull(workflows.deletedAt)));
  await insertSnapshot(tx, id, lockVersion, {
    ...toGraph(current),
    name,
    triggers: current.triggers.map((trigger) => ({ ...trigger, enabled: false })),
  });
}
