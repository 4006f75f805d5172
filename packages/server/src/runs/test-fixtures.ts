// Test data for the runs and sockets tests: a project with a two-job workflow and its snapshot,
// written straight into the tables (the workflows context owns the real editing path).
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import type { Vault } from '../vault/index.js';
import { type CreateWorkOrderInput, createWorkOrder } from './work-orders.js';

export interface WorkflowFixture {
  projectId: string;
  workflowId: string;
  snapshotId: string;
  triggerId: string;
  jobIds: [string, string];
  edgeIds: [string, string];
  /** Set when created with a credential. */
  credentialId?: string;
}

export interface WorkflowFixtureOptions {
  projectId?: string;
  workflowConcurrency?: number | null;
  projectConcurrency?: number | null;
  /** Attach a credential with this body to the first job. */
  credentialBody?: Record<string, unknown>;
  vault?: Vault;
}

/** A project (or the given one) with a workflow `webhook → a → b` and its snapshot. */
export async function createWorkflowFixture(
  db: Database,
  options: WorkflowFixtureOptions = {},
): Promise<WorkflowFixture> {
  const projectId = options.projectId ?? randomUUID();
  if (!options.projectId) {
    await db.insert(schema.projects).values({
      id: projectId,
      name: `project-${projectId.slice(0, 8)}`,
      concurrency: options.projectConcurrency ?? null,
    });
  }
  const workflowId = randomUUID();
  await db.insert(schema.workflows).values({
    id: workflowId,
    projectId,
    name: `workflow-${workflowId.slice(0, 8)}`,
    concurrency: options.workflowConcurrency ?? null,
  });
  let projectCredentialId: string | null = null;
  let credentialId: string | undefined;
  if (options.credentialBody) {
    if (!options.vault) throw new TypeError('a vault is needed to store a credential');
    const userId = randomUUID();
    credentialId = randomUUID();
    projectCredentialId = randomUUID();
    await db
      .insert(schema.users)
      .values({ id: userId, firstName: 'Test', email: `${userId}@example.com` });
    await db.insert(schema.credentials).values({
      id: credentialId,
      userId,
      name: 'http',
      schema: 'http',
      body: options.vault.encryptJson(options.credentialBody),
    });
    await db
      .insert(schema.projectCredentials)
      .values({ id: projectCredentialId, projectId, credentialId });
  }
  const triggerId = randomUUID();
  const jobIds: [string, string] = [randomUUID(), randomUUID()];
  const edgeIds: [string, string] = [randomUUID(), randomUUID()];
  const jobs = [
    {
      id: jobIds[0],
      name: 'a',
      body: 'fn(state => ({ ...state, a: true }))',
      adaptor: '@openfn/language-common@3.3.4',
      project_credential_id: projectCredentialId,
    },
    {
      id: jobIds[1],
      name: 'b',
      body: 'fn(state => state)',
      adaptor: '@openfn/language-common@3.3.4',
      project_credential_id: null,
    },
  ];
  const triggers = [{ id: triggerId, type: 'webhook', enabled: true }];
  const edges = [
    {
      id: edgeIds[0],
      source_job_id: null,
      source_trigger_id: triggerId,
      target_job_id: jobIds[0],
      condition_type: 'always',
      condition_expression: null,
      condition_label: null,
      enabled: true,
    },
    {
      id: edgeIds[1],
      source_job_id: jobIds[0],
      source_trigger_id: null,
      target_job_id: jobIds[1],
      condition_type: 'js_expression',
      condition_expression: 'state.a === true',
      condition_label: 'a ran',
      enabled: true,
    },
  ];
  await db.insert(schema.triggers).values({ id: triggerId, workflowId, enabled: true });
  await db.insert(schema.jobs).values(
    jobs.map((job) => ({
      id: job.id,
      workflowId,
      name: job.name,
      body: job.body,
      adaptor: job.adaptor,
      projectCredentialId: job.project_credential_id,
    })),
  );
  const snapshotId = randomUUID();
  await db.insert(schema.workflowSnapshots).values({
    id: snapshotId,
    workflowId,
    name: `workflow-${workflowId.slice(0, 8)}`,
    lockVersion: 0,
    jobs,
    triggers,
    edges,
  });
  return { projectId, workflowId, snapshotId, triggerId, jobIds, edgeIds, credentialId };
}

/** A webhook work order on the fixture's workflow; `overrides` change any input. */
export function enqueueRun(
  db: Database,
  fixture: WorkflowFixture,
  overrides: Partial<CreateWorkOrderInput> = {},
) {
  return createWorkOrder(db, {
    workflowId: fixture.workflowId,
    snapshotId: fixture.snapshotId,
    triggerId: fixture.triggerId,
    startingTriggerId: fixture.triggerId,
    dataclip: {
      projectId: fixture.projectId,
      type: 'http_request',
      body: { n: 1 },
      request: { method: 'POST', path: ['i', fixture.triggerId], headers: {} },
    },
    ...overrides,
  });
}
