// Provisioning: a whole project (its workflows with jobs, triggers and edges) as one document, the
// surface of OpenFn's CLI `deploy` and `pull` (reference/lightning-server-facts.md §6).
//
// POST upserts by the ids the client chose, in one transaction: items the document names are
// created or updated (fields it leaves out keep their stored value), items with `"delete": true`
// are removed, items it does not mention are kept. Every workflow is validated as it will be after
// the merge, and all problems of all workflows are reported together before anything is written.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { stringify } from 'yaml';
import { type AuditEventInput, recordAuditEvent } from '../audit/index.js';
import {
  applyCollectionChanges,
  type CollectionChanges,
  checkProvisionedCollections,
  provisionedCollections,
} from '../collections/index.js';
import { type Database, queryRows, schema } from '../db/index.js';
import { ConflictError, HttpError, NotFoundError, ValidationError } from '../http/errors.js';
import {
  forbiddenSettings,
  PROJECT_ACTIONS,
  PROJECT_SETTING_ACTIONS,
  type ProjectRole,
  type ProjectSetting,
} from '../projects/policy.js';
import { checkProjectSettings, type ProjectSettingsInput } from '../projects/projects.js';
import { settleKafkaConfigurations } from './kafka-configuration.js';
import {
  displayErrors,
  type KeyedLists,
  type ParsedDocument,
  type ProvisionWorkflow,
  parseProvisionDocument,
} from './provision-document.js';
import { isSpecDocument } from './provision-spec.js';
import {
  checkGraphsAgainstDatabase,
  insertNewWorkflows,
  type PlannedGraph,
  updateChangedWorkflows,
} from './provision-write.js';
import { withGraphs } from './read.js';
import {
  assertLockVersion,
  checkKafkaAgainstDatabase,
  graphFingerprint,
  type KafkaSaveOptions,
  rethrowConstraintError,
  toGraph,
} from './save.js';
import { getSnapshot } from './snapshots.js';
import type { Edge, FieldErrors, Job, Trigger, Workflow, WorkflowGraph } from './types.js';
import {
  addError,
  normalizeEdge,
  normalizeJob,
  normalizeTrigger,
  validateWorkflowGraph,
} from './validation.js';
import { softDeleteWorkflow } from './workflows.js';

const { projects, workflows, projectCredentials, credentials, users } = schema;

type ProjectRow = typeof projects.$inferSelect;

export interface ProjectDocument {
  id: string;
  name: string;
  description: string | null;
  inserted_at: string;
  updated_at: string;
  project_credentials: { id: string; name: string; owner: string }[];
  collections: { id: string; name: string }[];
  workflows: Record<string, unknown>[];
  [field: string]: unknown;
}

/** Who provisions, as the projects policy sees them. */
export interface ProvisionCaller {
  /** Their role in the project (`owner` when the document creates it), or `superuser`. */
  role: ProjectRole | 'superuser';
  /** Whether their account uses multi-factor authentication (needed to turn `requires_mfa` on). */
  mfaEnabled: boolean;
}

export interface ProvisionOptions {
  /** Who provisions: becomes the owner of a project the document creates. */
  ownerId?: string;
  /**
   * The caller was only allowed to create a project (it did not exist when they were authorized):
   * if it exists by the time the document is applied, 409 rather than updating it.
   */
  expectNew?: boolean;
  /**
   * The caller's role and MFA, for the per-field policy. Without it the document is trusted (the
   * server's own documents: the demo project, tests).
   */
  caller?: ProvisionCaller;
  /** KAFKA_TRIGGERS_ENABLED and the vault for kafka triggers' SASL secrets (save.ts). */
  kafka?: KafkaSaveOptions;
  /**
   * An audit event recorded in the document's transaction, when the caller is not a user whose
   * own events say it (a repository connection deploying from GitHub).
   */
  audit?: AuditEventInput;
}

const TRUSTED: ProvisionCaller = { role: 'superuser', mfaEnabled: true };

/**
 * Creates or updates a project from a provisioning document (arrays or keyed by name), all or
 * nothing, and returns the stored document. 400 for a malformed document, 403 naming the fields
 * the caller's role may not change, 422 listing every rule broken, 409 for a stale lock_version.
 */
export async function provisionProject(
  db: Database,
  body: unknown,
  options: ProvisionOptions = {},
): Promise<ProjectDocument> {
  await precheckSettings(db, body, options.caller);
  const parsed = parseProvisionDocument(body, await storedForSpec(db, body));
  try {
    // The plan (merge, validation, database checks: seconds for thousands of workflows) is made
    // before the project is locked, against what was stored when it began (`stamp`). Under the
    // lock only the stamp is read again: unchanged, the plan is written as it is; changed (another
    // provision or save got in between), the plan is made again under the lock. So other
    // provisions of the project wait for the writes only (bench/provision.js).
    const stamp = await projectStamp(db, parsed.document.id);
    const prepared = await planDocument(db, parsed, options, false);
    await db.transaction(async (tx) => {
      const [project] = await tx
        .select({ id: projects.id })
        .from(projects)
        .where(eq(projects.id, parsed.document.id))
        .for('update');
      const ids = prepared.saves.flatMap((save) => (save.existing ? [save.existing.id] : []));
      ids.push(...prepared.deletions);
      if (ids.length > 0) {
        await tx
          .select({ id: workflows.id })
          .from(workflows)
          .where(inArray(workflows.id, [...new Set(ids)].sort()))
          .orderBy(asc(workflows.id))
          .for('update');
      }
      const unchanged =
        Boolean(project) === Boolean(prepared.project) &&
        (await projectStamp(tx, parsed.document.id)) === stamp;
      const plan = unchanged ? prepared : await planDocument(tx, parsed, options, true);
      await writePlan(tx, parsed, options, plan);
      if (options.audit) await recordAuditEvent(tx, options.audit);
    });
  } catch (error) {
    try {
      rethrowConstraintError(error);
    } catch (mapped) {
      throw inDocumentShape(mapped, parsed.keys);
    }
  }
  return describeProject(db, parsed.document.id);
}

/** The stored project a spec-form document is resolved against (null: none, or not a spec). */
async function storedForSpec(db: Database, body: unknown): Promise<ProjectDocument | null> {
  if (!isSpecDocument(body)) return null;
  const id = (body as { id?: unknown }).id;
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, id));
  return row ? describeProject(db, id) : null;
}

/** An error whose field paths are those of the document's own shape (keyed lists by key). */
function inDocumentShape(error: unknown, keys: KeyedLists): unknown {
  if (!(error instanceof HttpError) || keys.size === 0) return error;
  const errors = error.details?.errors as FieldErrors | undefined;
  if (!errors) return error;
  const shaped = displayErrors(errors, keys);
  return error instanceof ValidationError
    ? new ValidationError(error.message, shaped)
    : new HttpError(error.statusCode, error.message, { ...error.details, errors: shaped });
}

/** A project row with Lightning's defaults, standing for a project the document creates. */
function newProjectRow(id: string, name: string): ProjectRow {
  return {
    id,
    name,
    description: null,
    concurrency: null,
    retentionPolicy: 'retain_all',
    historyRetentionPeriod: null,
    dataclipRetentionPeriod: null,
    requiresMfa: false,
    allowSupportAccess: false,
    scheduledDeletion: null,
    insertedAt: '',
    updatedAt: '',
  } as ProjectRow;
}

const SETTING_COLUMNS = {
  name: 'name',
  description: 'description',
  concurrency: 'concurrency',
  retention_policy: 'retentionPolicy',
  history_retention_period: 'historyRetentionPeriod',
  dataclip_retention_period: 'dataclipRetentionPeriod',
  requires_mfa: 'requiresMfa',
  allow_support_access: 'allowSupportAccess',
} as const satisfies Record<ProjectSetting, keyof ProjectRow>;

/**
 * The project settings the document changes: those it names with a value other than the stored
 * one (for a new project, every one it names). A pulled document sent back unchanged changes none,
 * so an editor may deploy it. Works on the raw body too (a value of the wrong type is a change).
 */
function changedSettings(
  current: ProjectRow,
  document: Record<string, unknown>,
  isNew: boolean,
): ProjectSetting[] {
  return (Object.keys(SETTING_COLUMNS) as ProjectSetting[]).filter((field) => {
    const raw = document[field];
    const value = field === 'name' && typeof raw === 'string' ? raw.trim() : raw;
    if (value === undefined) return false;
    return isNew || current[SETTING_COLUMNS[field]] !== value;
  });
}

/** 403 naming every changed setting the role may not change (projects/policy.ts). */
function assertMayChangeSettings(role: ProjectRole | 'superuser', changed: ProjectSetting[]): void {
  const forbidden = forbiddenSettings(role, changed);
  if (forbidden.length === 0) return;
  const needs = (field: ProjectSetting) => PROJECT_ACTIONS[PROJECT_SETTING_ACTIONS[field]];
  throw new HttpError(
    403,
    `Your role in this project (${role}) may not change ${forbidden.join(', ')}; nothing was applied`,
    {
      errors: Object.fromEntries(
        forbidden.map((field) => [field, [`needs ${needs(field)} or above to change`]]),
      ),
    },
  );
}

/**
 * The settings policy over the raw body, before it is parsed: a caller who may not change a field
 * learns so (403), not whether the rest of their document is well formed. Checked again on apply,
 * under the project's lock.
 */
async function precheckSettings(
  db: Database,
  body: unknown,
  caller: ProvisionCaller | undefined,
): Promise<void> {
  if (!caller || caller.role === 'superuser' || body === null || typeof body !== 'object') return;
  const raw = body as Record<string, unknown>;
  if (typeof raw.id !== 'string' || !/^[0-9a-f-]{36}$/i.test(raw.id)) return;
  const [project] = await db.select().from(projects).where(eq(projects.id, raw.id));
  if (project) assertMayChangeSettings(caller.role, changedSettings(project, raw, false));
}

interface PlannedSave extends PlannedGraph {
  existing: typeof workflows.$inferSelect | undefined;
  /** The stored workflow before this document (for an existing one). */
  current: Workflow | undefined;
  position: number;
}

/**
 * What stored state a plan depends on, as one hash: the project row, its live and deleted
 * workflows' versions, and the credentials shared with it. Any save, provision, deletion or
 * settings change of the project changes it.
 */
async function projectStamp(db: Database, projectId: string): Promise<string> {
  const [row] = await queryRows<{ stamp: string | null }>(
    db,
    sql`
    SELECT md5(concat_ws('|',
      (SELECT p::text FROM projects p WHERE p.id = ${projectId}),
      (SELECT string_agg(w.id::text || ':' || w.lock_version || ':' || w.updated_at::text || ':'
                         || coalesce(w.deleted_at::text, '') || ':' || w.name, ',' ORDER BY w.id)
         FROM workflows w WHERE w.project_id = ${projectId}),
      (SELECT string_agg(c.id::text, ',' ORDER BY c.id)
         FROM project_credentials c WHERE c.project_id = ${projectId})
    )) AS stamp`,
  );
  return row?.stamp ?? '';
}

interface Plan {
  project: ProjectRow | undefined;
  current: ProjectRow;
  projectChanges: Partial<typeof projects.$inferInsert>;
  saves: PlannedSave[];
  deletions: string[];
  collectionChanges: CollectionChanges;
}

/**
 * Everything the document will do, checked: 403/409/422 when it may not be applied. With `lock`,
 * the rows it reads are locked (FOR UPDATE) for the transaction it runs in.
 */
async function planDocument(
  tx: Database,
  parsed: ParsedDocument,
  options: ProvisionOptions,
  lock: boolean,
): Promise<Plan> {
  const { document } = parsed;
  const caller = options.caller ?? TRUSTED;
  const errors: FieldErrors = structuredClone(parsed.refused);

  const projectQuery = tx.select().from(projects).where(eq(projects.id, document.id));
  const [project] = lock ? await projectQuery.for('update') : await projectQuery;
  if (project && options.expectNew) {
    throw new ConflictError(
      `Project ${document.id} was created by someone else meanwhile; send the document again`,
    );
  }

  // Project settings: the policy of PATCH /api/projects/:id, field by field (projects/policy.ts),
  // and its rules (projects.ts). A field the caller may not change refuses the whole document.
  const role = project || caller.role === 'superuser' ? caller.role : 'owner';
  const current = project ?? newProjectRow(document.id, document.name.trim());
  const changed = changedSettings(current, document, !project);
  assertMayChangeSettings(role, changed);
  const settings: ProjectSettingsInput = {};
  for (const field of changed) {
    if (field === 'allow_support_access') continue;
    (settings as Record<string, unknown>)[field] = document[field];
  }
  if (!project) settings.name = document.name;
  const checked = checkProjectSettings(current, settings, caller);
  for (const [path, messages] of Object.entries(checked.errors)) {
    for (const message of messages) addError(errors, path, message);
  }
  const projectChanges: Partial<typeof projects.$inferInsert> = { ...checked.changes };
  if (changed.includes('allow_support_access')) {
    projectChanges.allowSupportAccess = document.allow_support_access;
  }

  // Project credentials are shared in the credentials context; here a document may only name
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

  // Every workflow the document names, locked and loaded in three statements whatever their number.
  const items = document.workflows ?? [];
  const namedIds = [...new Set(items.map((item) => item.id))].sort();
  const rowsQuery = tx
    .select()
    .from(workflows)
    .where(inArray(workflows.id, namedIds))
    .orderBy(asc(workflows.id));
  const lockedRows =
    namedIds.length === 0 ? [] : lock ? await rowsQuery.for('update') : await rowsQuery;
  const rowsById = new Map(lockedRows.map((row) => [row.id, row]));
  const live = lockedRows.filter((row) => row.projectId === document.id && !row.deletedAt);
  const graphsById = new Map(
    (await withGraphs(tx, live)).map((workflow) => [workflow.id, workflow]),
  );

  const names = new Map<string, number>();
  const firstIndex = new Map<string, number>();
  const saves: PlannedSave[] = [];
  const deletions: string[] = [];
  for (const [i, item] of items.entries()) {
    const prefix = `workflows[${i}].`;
    const other = firstIndex.get(item.id);
    if (other !== undefined) {
      addError(errors, `${prefix}id`, `is also the id of workflows[${other}]`);
      continue;
    }
    firstIndex.set(item.id, i);
    if (item.project_id != null && item.project_id !== document.id) {
      addError(errors, `${prefix}project_id`, 'must be the id of this project (or left out)');
    }
    const existing = rowsById.get(item.id);
    if (existing && (existing.projectId !== document.id || existing.deletedAt)) {
      addError(
        errors,
        `${prefix}id`,
        existing.deletedAt ? 'is a deleted workflow' : 'belongs to another project',
      );
      continue;
    }
    if (item.delete && hasChanges(item, WORKFLOW_QUIET)) {
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
    const current = existing ? graphsById.get(existing.id) : undefined;
    const merged = mergeWorkflow(current, item);
    const { origins, missing } = merged;
    const graph = {
      ...merged.graph,
      triggers: settleKafkaConfigurations(merged.graph.triggers, current?.triggers),
    };
    for (const path of missing) {
      addError(
        errors,
        prefix + path,
        path.endsWith('.delete') ? DELETE_WITH_CHANGES : 'is required for a new item',
      );
    }
    const sameName = names.get(graph.name);
    if (sameName !== undefined) {
      addError(
        errors,
        `${prefix}name`,
        `"${graph.name}" is also the name of workflows[${sameName}]`,
      );
    } else names.set(graph.name, i);
    const at = (path: string) => prefix + remapPath(path, origins);
    for (const [path, messages] of Object.entries(validateWorkflowGraph(graph))) {
      for (const message of messages) addError(errors, at(path), message);
    }
    // Unchanged workflows are not written, so only the changed ones meet the database's rules.
    if (current && graphFingerprint(toGraph(current)) === graphFingerprint(graph)) continue;
    graph.jobs.forEach((job, j) => {
      if (job.project_credential_id && !credentialIds.has(job.project_credential_id)) {
        addError(
          errors,
          at(`jobs[${j}].project_credential_id`),
          'must be a credential of this project',
        );
      }
    });
    // Kafka triggers' rules need the stored secrets' presence: asked only where one is involved.
    if ([...graph.triggers, ...(current?.triggers ?? [])].some((t) => t.type === 'kafka')) {
      await checkKafkaAgainstDatabase(tx, graph, options.kafka ?? {}, (path, message) =>
        addError(errors, at(path), message),
      );
    }
    saves.push({ existing, current, workflowId: item.id, graph, at, position: i });
  }
  const databaseErrors = await checkGraphsAgainstDatabase(
    tx,
    document.id,
    saves,
    new Set(deletions),
  );
  for (const [path, messages] of Object.entries(databaseErrors)) {
    for (const message of messages) addError(errors, path, message);
  }
  const collectionChanges = await checkProvisionedCollections(
    tx,
    document.id,
    document.collections ?? [],
    (path, message) => addError(errors, path, message),
  );

  // An item whose names named nothing is reported for that alone, not again for what follows.
  for (const path of Object.keys(errors)) {
    if (Object.hasOwn(parsed.refused, path)) continue;
    if ([...parsed.unresolved].some((prefix) => path.startsWith(`${prefix}.`))) delete errors[path];
  }
  if (Object.keys(errors).length > 0) {
    throw new ValidationError('The provisioning document is not valid; nothing was saved', errors);
  }
  return { project, current, projectChanges, saves, deletions, collectionChanges };
}

/** Writes a plan, in the transaction holding the project's lock. */
async function writePlan(
  tx: Database,
  parsed: ParsedDocument,
  options: ProvisionOptions,
  plan: Plan,
): Promise<void> {
  const { document } = parsed;
  const { project, current, projectChanges, saves, deletions } = plan;
  if (!project) {
    await tx.insert(projects).values({ id: document.id, name: current.name, ...projectChanges });
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
        changes: {
          after: { name: current.name, owner_id: options.ownerId, via: 'provisioning' },
        },
      });
    }
  } else if (
    Object.entries(projectChanges).some(
      ([key, value]) => project[key as keyof typeof project] !== value,
    )
  ) {
    await tx
      .update(projects)
      .set({ ...projectChanges, updatedAt: sql`now()` })
      .where(eq(projects.id, project.id));
  }
  // Deletions first: a deleted workflow frees its name for a workflow created in the same document.
  for (const id of deletions) await softDeleteWorkflow(tx, id);
  await updateChangedWorkflows(
    tx,
    saves.flatMap((save) =>
      save.existing && save.current
        ? [{ row: save.existing, current: save.current, graph: save.graph }]
        : [],
    ),
    options.kafka?.vault,
  );
  await insertNewWorkflows(
    tx,
    document.id,
    saves
      .filter((save) => !save.existing)
      .map((save) => ({ id: save.workflowId, graph: save.graph, position: save.position })),
    options.kafka?.vault,
  );
  await applyCollectionChanges(tx, document.id, plan.collectionChanges);
}

const DELETE_WITH_CHANGES =
  'cannot be combined with other changes: send only the id and "delete": true';

/**
 * Fields that say nothing about an item's content: read-only ones a pulled document carries, and
 * the unsupported ones (refused elsewhere when set).
 */
const QUIET = [
  'id',
  'delete',
  'inserted_at',
  'updated_at',
  'keychain_credential_id',
  'cron_cursor_job_id',
];
const WORKFLOW_QUIET = ['lock_version', 'project_id', 'deleted_at', 'version_history', 'positions'];

/** Whether an item marked for deletion also carries changes (Lightning refuses that). */
function hasChanges(item: object, allowed: string[] = []): boolean {
  const quiet = new Set([...QUIET, ...allowed]);
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
        Object.entries(fields).filter(([key]) => key === 'id' || !QUIET.includes(key)),
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

/** A job, trigger or edge as `GET /api/provision/:id` shows it: every field, null ones included. */
const jobDocument = (job: Job) => ({ ...job, keychain_credential_id: null });
const triggerDocument = (trigger: Trigger) => ({
  ...trigger,
  kafka_configuration: trigger.kafka_configuration ?? null,
  cron_cursor_job_id: null,
});
const edgeDocument = (edge: Edge) => ({ ...edge });

/**
 * The provisioning document of a project (live workflows only), as `GET /api/provision/:id`: in
 * Lightning's shape, arrays, every field present (null ones too, as Lightning answers, so a deploy
 * of what was pulled finds nothing to change). `snapshotIds` (`?snapshots[]=…`) show those
 * versions instead of the live ones: each replaces its workflow's jobs, triggers, edges, name and
 * lock_version.
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
  const graphs: Workflow[] = await withGraphs(db, rows);
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
  return {
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
    collections: await provisionedCollections(db, id),
    workflows: graphs.map((workflow) => ({
      id: workflow.id,
      name: workflow.name,
      project_id: workflow.project_id,
      lock_version: workflow.lock_version,
      concurrency: workflow.concurrency,
      enable_job_logs: workflow.enable_job_logs,
      deleted_at: null,
      inserted_at: workflow.inserted_at,
      updated_at: workflow.updated_at,
      jobs: workflow.jobs.map(jobDocument),
      triggers: workflow.triggers.map(triggerDocument),
      edges: workflow.edges.map(edgeDocument),
    })),
  };
}

/** The document as YAML (`GET /api/provision/:id?format=yaml`); parses back to the same JSON. */
export function toYaml(document: ProjectDocument): string {
  return stringify(document, { lineWidth: 0 });
}
