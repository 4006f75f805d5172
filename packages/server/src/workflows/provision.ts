// Provisioning: a whole project (its workflows with jobs, triggers and edges) as one document, the
// surface of OpenFn's CLI `deploy` and `pull` (reference/lightning-server-facts.md §6).
//
// POST upserts by the ids the client chose, in one transaction: items the document names are
// created or updated (fields it leaves out keep their stored value), items with `"delete": true`
// are removed, items it does not mention are kept. Every workflow is validated as it will be after
// the merge, and all problems of all workflows are reported together before anything is written.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { stringify } from 'yaml';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, schema } from '../db/index.js';
import { ConflictError, HttpError, NotFoundError, ValidationError } from '../http/errors.js';
import { withGraphs } from './read.js';
import {
  assertLockVersion,
  checkGraphAgainstDatabase,
  graphFingerprint,
  lockWorkflow,
  rethrowConstraintError,
  toGraph,
  writeWorkflow,
} from './save.js';
import { getSnapshot } from './snapshots.js';
import type { Edge, FieldErrors, Job, Trigger, Workflow, WorkflowGraph } from './types.js';
import {
  addError,
  edgeInputSchema,
  jobInputSchema,
  normalizeEdge,
  normalizeJob,
  normalizeTrigger,
  triggerInputSchema,
  validateWorkflowGraph,
  zodFieldErrors,
} from './validation.js';
import { softDeleteWorkflow } from './workflows.js';

const { projects, workflows, projectCredentials, credentials, users } = schema;

// Read-only fields a `GET /api/provision/:id` document carries; accepted back and ignored, so a
// pulled document can be deployed unchanged.
const readOnly = {
  inserted_at: z.string().optional(),
  updated_at: z.string().optional(),
};
const deletable = { delete: z.boolean().optional() };
/**
 * Fields OpenFn's tooling may send that this server does not keep (UI layout, version hashes,
 * keychain credentials, cron cursors): accepted so such documents deploy, and not stored.
 */
const ignored = (...names: string[]) =>
  Object.fromEntries(names.map((name) => [name, z.unknown().optional()]));
const id = z.guid({ error: 'must be a UUID' });

const provisionWorkflowSchema = z.strictObject({
  id,
  name: z.string().optional(),
  lock_version: z.number().int().nonnegative().optional(),
  concurrency: z.number().int().nullable().optional(),
  enable_job_logs: z.boolean().optional(),
  // Items are named by the client's ids; an item being deleted needs nothing but its id, and one
  // being updated only the fields that change, so the other fields are checked after the merge.
  jobs: z
    .array(
      jobInputSchema
        .extend({ id, ...deletable, ...readOnly, ...ignored('keychain_credential_id') })
        .partial({ name: true }),
    )
    .optional(),
  triggers: z
    .array(
      triggerInputSchema.extend({
        id,
        ...deletable,
        ...readOnly,
        ...ignored('cron_cursor_job_id'),
      }),
    )
    .optional(),
  edges: z
    .array(
      edgeInputSchema.extend({ id, ...deletable, ...readOnly }).partial({ target_job_id: true }),
    )
    .optional(),
  ...deletable,
  ...readOnly,
  ...ignored('positions', 'version_history'),
  deleted_at: z.string().nullable().optional(),
});

const retentionPeriod = z
  .union(
    [7, 14, 30, 90, 180, 365].map((days) => z.literal(days)) as [
      z.ZodLiteral<number>,
      z.ZodLiteral<number>,
    ],
  )
  .nullable()
  .optional();

const provisionDocumentSchema = z.strictObject({
  id: z.guid({ error: 'must be a UUID' }),
  name: z.string(),
  description: z.string().nullable().optional(),
  concurrency: z.number().int().positive().nullable().optional(),
  retention_policy: z.enum(schema.RETENTION_POLICIES).optional(),
  history_retention_period: retentionPeriod,
  dataclip_retention_period: retentionPeriod,
  requires_mfa: z.boolean().optional(),
  allow_support_access: z.boolean().optional(),
  ...ignored('env', 'color', 'scheduled_deletion'),
  project_credentials: z
    .array(
      z.strictObject({
        id: z.guid({ error: 'must be a UUID' }),
        name: z.string().optional(),
        owner: z.string().optional(),
        ...deletable,
      }),
    )
    .optional(),
  collections: z.array(z.unknown()).optional(),
  workflows: z.array(provisionWorkflowSchema).optional(),
  ...readOnly,
});

type ProvisionDocument = z.infer<typeof provisionDocumentSchema>;
type ProvisionWorkflow = z.infer<typeof provisionWorkflowSchema>;

export interface ProjectDocument {
  id: string;
  name: string;
  description?: string;
  inserted_at: string;
  updated_at: string;
  project_credentials: { id: string; name: string; owner: string }[];
  collections: unknown[];
  workflows: Record<string, unknown>[];
}

/**
 * Creates or updates a project from a provisioning document, all or nothing, and returns the
 * stored document. 400 for a malformed document, 422 listing every rule broken, 409 for a stale
 * workflow lock_version.
 */
export interface ProvisionOptions {
  /** Who provisions: becomes the owner of a project the document creates. */
  ownerId?: string;
  /**
   * The caller was only allowed to create a project (it did not exist when they were authorized):
   * if it exists by the time the document is applied, 409 rather than updating it.
   */
  expectNew?: boolean;
}

export async function provisionProject(
  db: Database,
  body: unknown,
  options: ProvisionOptions = {},
): Promise<ProjectDocument> {
  const parsed = provisionDocumentSchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'The provisioning document is malformed', {
      errors: zodFieldErrors(parsed.error),
    });
  }
  const document = parsed.data;
  try {
    await db.transaction(async (tx) => {
      await applyDocument(tx, document, options);
    });
  } catch (error) {
    rethrowConstraintError(error);
  }
  return describeProject(db, document.id);
}

interface PlannedSave {
  existing: Awaited<ReturnType<typeof lockWorkflow>>;
  id: string;
  graph: WorkflowGraph;
}

async function applyDocument(
  tx: Database,
  document: ProvisionDocument,
  options: ProvisionOptions,
): Promise<void> {
  const errors: FieldErrors = {};
  if (!document.name.trim()) addError(errors, 'name', 'must not be blank');
  if ((document.description ?? '').length > 240) {
    addError(errors, 'description', 'must be at most 240 characters');
  }
  const history = document.history_retention_period;
  const dataclips = document.dataclip_retention_period;
  if (history != null && dataclips != null && dataclips > history) {
    addError(
      errors,
      'dataclip_retention_period',
      'must not be longer than history_retention_period',
    );
  }
  if ((document.collections ?? []).length > 0) {
    addError(errors, 'collections', 'collections cannot be provisioned yet: send an empty list');
  }

  const [project] = await tx
    .select()
    .from(projects)
    .where(eq(projects.id, document.id))
    .for('update');
  if (project && options.expectNew) {
    throw new ConflictError(
      `Project ${document.id} was created by someone else meanwhile; send the document again`,
    );
  }

  // Project credentials are created in the credentials context; here a document may only name
  // those already shared with the project.
  const credentialIds = new Set(
    project
      ? (
          await tx
            .select({ id: projectCredentials.id })
            .from(projectCredentials)
            .where(eq(projectCredentials.projectId, project.id))
        ).map((row) => row.id)
      : [],
  );
  (document.project_credentials ?? []).forEach((credential, i) => {
    if (!credential.delete && !credentialIds.has(credential.id)) {
      addError(
        errors,
        `project_credentials[${i}].id`,
        'is not a credential of this project: share the credential with the project first',
      );
    }
  });

  const names = new Map<string, number>();
  const saves: PlannedSave[] = [];
  const deletions: string[] = [];
  for (const [i, item] of (document.workflows ?? []).entries()) {
    const prefix = `workflows[${i}].`;
    const existing = await lockWorkflow(tx, item.id);
    if (existing && (existing.projectId !== document.id || existing.deletedAt)) {
      addError(
        errors,
        `${prefix}id`,
        existing.deletedAt ? 'is a deleted workflow' : 'belongs to another project',
      );
      continue;
    }
    if (item.delete && hasChanges(item, ['lock_version'])) {
      addError(errors, `${prefix}delete`, DELETE_WITH_CHANGES);
      continue;
    }
    if (item.delete) {
      if (existing) {
        assertLockVersion(existing, item.lock_version);
        deletions.push(existing.id);
      }
      continue;
    }
    if (existing) assertLockVersion(existing, item.lock_version);
    if (!existing && item.name === undefined) {
      addError(errors, `${prefix}name`, 'is required for a new workflow');
      continue;
    }
    const current = existing ? (await withGraphs(tx, [existing]))[0] : undefined;
    const { graph, origins, missing } = mergeWorkflow(current, item);
    for (const path of missing) {
      addError(
        errors,
        prefix + path,
        path.endsWith('.delete') ? DELETE_WITH_CHANGES : 'is required for a new item',
      );
    }
    const other = names.get(graph.name);
    if (other !== undefined) {
      addError(errors, `${prefix}name`, `"${graph.name}" is also the name of workflows[${other}]`);
    } else names.set(graph.name, i);
    const problems = {
      ...validateWorkflowGraph(graph),
      ...(await checkGraphAgainstDatabase(tx, document.id, item.id, graph)),
    };
    for (const [path, messages] of Object.entries(problems)) {
      for (const message of messages) addError(errors, prefix + remapPath(path, origins), message);
    }
    if (!current || graphFingerprint(toGraph(current)) !== graphFingerprint(graph)) {
      saves.push({ existing, id: item.id, graph });
    }
  }
  if (Object.keys(errors).length > 0) {
    throw new ValidationError('The provisioning document is not valid; nothing was saved', errors);
  }

  // Project fields the document names (left out: kept as stored).
  const fields = Object.fromEntries(
    Object.entries({
      name: document.name.trim(),
      description: document.description,
      concurrency: document.concurrency,
      retentionPolicy: document.retention_policy,
      historyRetentionPeriod: document.history_retention_period,
      dataclipRetentionPeriod: document.dataclip_retention_period,
      requiresMfa: document.requires_mfa,
      allowSupportAccess: document.allow_support_access,
    }).filter(([, value]) => value !== undefined),
  ) as Partial<typeof projects.$inferInsert> & { name: string };
  if (!project) {
    await tx.insert(projects).values({ id: document.id, ...fields });
    if (options.ownerId) {
      await tx
        .insert(schema.projectUsers)
        .values({ projectId: document.id, userId: options.ownerId, role: 'owner' });
      await recordAuditEvent(tx, {
        event: 'project_created',
        itemType: 'project',
        itemId: document.id,
        projectId: document.id,
        actorId: options.ownerId,
        changes: { after: { name: fields.name, owner_id: options.ownerId, via: 'provisioning' } },
      });
    }
  } else if (
    Object.entries(fields).some(([key, value]) => project[key as keyof typeof project] !== value)
  ) {
    await tx
      .update(projects)
      .set({ ...fields, updatedAt: sql`now()` })
      .where(eq(projects.id, project.id));
  }
  // Deletions first: a deleted workflow frees its name for a workflow created in the same document.
  for (const id of deletions) await softDeleteWorkflow(tx, id);
  for (const [position, save] of saves.entries()) {
    await writeWorkflow(tx, {
      position,
      projectId: document.id,
      existing: save.existing,
      id: save.id,
      graph: save.graph,
    });
  }
}

const DELETE_WITH_CHANGES =
  'cannot be combined with other changes: send only the id and "delete": true';

/** Whether an item marked for deletion also carries changes (Lightning refuses that). */
function hasChanges(item: object, allowed: string[] = []): boolean {
  const quiet = new Set(['id', 'delete', 'inserted_at', 'updated_at', ...allowed]);
  return Object.entries(item).some(([key, value]) => !quiet.has(key) && value !== undefined);
}

type Origins = Record<'jobs' | 'triggers' | 'edges', (number | string)[]>;

/**
 * The workflow as it will be after applying `item` to `current`: mentioned items replace stored
 * ones field by field, `delete: true` removes, unmentioned ones stay. `origins` remembers where
 * each resulting item came from (its index in the document, or its id when only stored), so
 * error paths name the document's fields.
 */
function mergeWorkflow(
  current: Workflow | undefined,
  item: ProvisionWorkflow,
): { graph: WorkflowGraph; origins: Origins; missing: string[] } {
  const origins: Origins = { jobs: [], triggers: [], edges: [] };
  const missing: string[] = [];
  const merge = <S extends { id: string }, I extends { id?: string; delete?: boolean }>(
    kind: keyof Origins,
    stored: S[],
    incoming: I[] | undefined,
    normalize: (value: I & S) => S,
    required: string,
  ): S[] => {
    const byId = new Map(stored.map((value) => [value.id, value]));
    const result: S[] = [];
    const mentioned = new Set<string>();
    for (const [index, value] of (incoming ?? []).entries()) {
      if (value.id) mentioned.add(value.id);
      if (value.delete) {
        const kept = value.id ? byId.get(value.id) : undefined;
        if (hasChanges(value)) {
          // Refused (reported), so the stored item stays, and nothing else is blamed for its absence.
          missing.push(`${kind}[${index}].delete`);
          if (kept) {
            result.push(kept);
            origins[kind].push(index);
          }
        }
        continue;
      }
      const { delete: _delete, ...fields } = value;
      const base = value.id ? byId.get(value.id) : undefined;
      const cleaned = Object.fromEntries(
        Object.entries(fields).filter(([key]) => key !== 'inserted_at' && key !== 'updated_at'),
      );
      const merged = { ...(base ?? {}), ...cleaned } as I & S;
      if ((merged as Record<string, unknown>)[required] === undefined) {
        missing.push(`${kind}[${index}].${required}`);
        continue;
      }
      result.push(normalize(merged));
      origins[kind].push(index);
    }
    for (const value of stored) {
      if (mentioned.has(value.id)) continue;
      result.push(value);
      origins[kind].push(value.id);
    }
    return result;
  };
  const graph: WorkflowGraph = {
    name: (item.name ?? current?.name ?? '').trim(),
    concurrency: item.concurrency !== undefined ? item.concurrency : (current?.concurrency ?? null),
    enable_job_logs: item.enable_job_logs ?? current?.enable_job_logs ?? true,
    jobs: merge<Job, NonNullable<ProvisionWorkflow['jobs']>[number]>(
      'jobs',
      current?.jobs ?? [],
      item.jobs,
      normalizeJob,
      'name',
    ),
    triggers: merge<Trigger, NonNullable<ProvisionWorkflow['triggers']>[number]>(
      'triggers',
      current?.triggers ?? [],
      item.triggers,
      normalizeTrigger,
      'id',
    ),
    edges: merge<Edge, NonNullable<ProvisionWorkflow['edges']>[number]>(
      'edges',
      current?.edges ?? [],
      item.edges,
      normalizeEdge,
      'target_job_id',
    ),
  };
  return { graph, origins, missing };
}

/** `jobs[3].name` of the merged graph → `jobs[1].name` of the document (or `jobs(<id>)`). */
function remapPath(path: string, origins: Origins): string {
  return path.replace(/^(jobs|triggers|edges)\[(\d+)\]/, (match, kind: keyof Origins, index) => {
    const origin = origins[kind][Number(index)];
    if (origin === undefined) return match;
    return typeof origin === 'number' ? `${kind}[${origin}]` : `${kind}(${origin})`;
  });
}

/** Drops null and undefined values, as Lightning's provisioning JSON does. */
function compact(value: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== null && field !== undefined),
  );
}

/**
 * The provisioning document of a project (live workflows only), as `GET /api/provision/:id`.
 * `snapshotIds` (`?snapshots[]=…`) show those versions instead of the live ones: each replaces its
 * workflow's jobs, triggers, edges, name and lock_version.
 */
export async function describeProject(
  db: Database,
  id: string,
  snapshotIds: string[] = [],
): Promise<ProjectDocument> {
  const [project] = await db.select().from(projects).where(eq(projects.id, id));
  if (!project) throw new NotFoundError(`Project ${id} not found`);
  const rows = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.projectId, id), isNull(workflows.deletedAt)))
    .orderBy(asc(workflows.insertedAt), asc(workflows.id));
  const graphs = await withGraphs(db, rows);
  for (const snapshotId of snapshotIds) {
    const snapshot = await getSnapshot(db, snapshotId);
    const index = graphs.findIndex((workflow) => workflow.id === snapshot.workflow_id);
    if (index === -1)
      throw new NotFoundError(`Snapshot ${snapshotId} is not of a workflow of this project`);
    const live = graphs[index]!;
    graphs[index] = {
      ...live,
      name: snapshot.name,
      lock_version: snapshot.lock_version,
      jobs: snapshot.jobs,
      triggers: snapshot.triggers,
      edges: snapshot.edges,
    };
  }
  const credentialRows = await db
    .select({ id: projectCredentials.id, name: credentials.name, owner: users.email })
    .from(projectCredentials)
    .innerJoin(credentials, eq(credentials.id, projectCredentials.credentialId))
    .innerJoin(users, eq(users.id, credentials.userId))
    .where(eq(projectCredentials.projectId, id))
    .orderBy(asc(projectCredentials.insertedAt));
  return compact({
    id: project.id,
    name: project.name,
    description: project.description,
    concurrency: project.concurrency,
    retention_policy: project.retentionPolicy,
    history_retention_period: project.historyRetentionPeriod,
    dataclip_retention_period: project.dataclipRetentionPeriod,
    requires_mfa: project.requiresMfa,
    allow_support_access: project.allowSupportAccess,
    inserted_at: project.insertedAt,
    updated_at: project.updatedAt,
    project_credentials: credentialRows,
    collections: [],
    workflows: graphs.map((workflow) =>
      compact({
        id: workflow.id,
        name: workflow.name,
        lock_version: workflow.lock_version,
        concurrency: workflow.concurrency,
        enable_job_logs: workflow.enable_job_logs,
        inserted_at: workflow.inserted_at,
        updated_at: workflow.updated_at,
        jobs: workflow.jobs.map((job) => compact(job)),
        triggers: workflow.triggers.map((trigger) => compact(trigger)),
        edges: workflow.edges.map((edge) => compact(edge)),
      }),
    ),
  }) as unknown as ProjectDocument;
}

/** The document as YAML (`GET /api/provision/:id?format=yaml`); parses back to the same JSON. */
export function toYaml(document: ProjectDocument): string {
  return stringify(document, { lineWidth: 0 });
}
