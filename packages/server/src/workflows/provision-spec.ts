// The spec form of a provisioning document: OpenFn CLI's `project.yaml` (and what
// `GET /api/provision/yaml` exports), where items are named rather than identified —
//
//   name: my-project
//   credentials: { me@example.com-http: { name: http, owner: me@example.com } }
//   workflows:
//     Sample-Workflow:
//       name: Sample Workflow
//       jobs:     { Fetch: { name: Fetch, adaptor: …, credential: me@example.com-http, body: "…" } }
//       triggers: { webhook: { type: webhook, enabled: true } }
//       edges:    { webhook->Fetch: { source_trigger: webhook, target_job: Fetch, … } }
//
// `openfn deploy` turns such a spec into the state form (ids) itself, by merging it with the
// `.state.json` of its last pull. Here the server does the same against the stored project, so a
// spec can be posted directly: a workflow, job, trigger or edge without an id is the stored one of
// the same key (Lightning's keys: hyphenated names, a trigger's type, `<source>-><target>` for an
// edge) or name, else a new one; edges' `source_job`, `source_trigger` and `target_job` and jobs'
// `credential` name items of the document. As with `deploy`, a workflow given in this form lists
// its whole graph: its stored jobs, triggers and edges the spec does not list are deleted. A
// workflow the document does not name is kept.
//
// What comes out is a state-form document (same keys, same order), so the rest of provisioning —
// and every error path — is the same for both forms.
import { randomUUID } from 'node:crypto';
import { hyphenate } from './export-yaml.js';
import type { ProjectDocument } from './provision.js';
import type { FieldErrors } from './types.js';
import { addError } from './validation.js';

type Item = Record<string, unknown>;

export interface ResolvedSpec {
  /** The document in state form (ids everywhere the spec named things). */
  body: unknown;
  /** References the spec makes that name nothing (422), by the document's array paths. */
  errors: FieldErrors;
  /**
   * Array paths of items whose references could not be resolved (`workflows[0].edges[2]`): the
   * errors above say why, so the graph rules do not report the same item again.
   */
  unresolved: Set<string>;
}

const isMap = (value: unknown): value is Item =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const EDGE_NAMES = ['source_job', 'source_trigger', 'target_job'];

/** Whether an item of a list is given by name rather than by id. */
const namesThings = (item: unknown): boolean =>
  isMap(item) &&
  (item.id === undefined ||
    EDGE_NAMES.some((key) => key in item) ||
    'credential' in item ||
    'cron_cursor_job' in item ||
    isMap(item.body));

/** The entries of a list given as an array or keyed by name: `[key | undefined, item]`. */
function entries(value: unknown): [string | undefined, unknown][] {
  if (Array.isArray(value)) return value.map((item) => [undefined, item]);
  if (isMap(value)) return Object.entries(value);
  return [];
}

/** A list built back in the shape it came in (keys kept, extra items appended). */
function rebuild(original: unknown, items: [string | undefined, unknown][]): unknown {
  if (Array.isArray(original) || original === undefined) return items.map(([, item]) => item);
  return Object.fromEntries(items.map(([key, item], i) => [key ?? `~${i}`, item]));
}

/** Whether a workflow of the document is in spec form (it, or one of its items, names things). */
function isSpecWorkflow(workflow: unknown): boolean {
  if (!isMap(workflow)) return false;
  if (workflow.id === undefined) return true;
  return (['jobs', 'triggers', 'edges'] as const).some((kind) =>
    entries(workflow[kind]).some(([, item]) => namesThings(item)),
  );
}

/** Whether a document needs resolving against the stored project before it is parsed. */
export function isSpecDocument(body: unknown): boolean {
  if (!isMap(body)) return false;
  if ('credentials' in body) return true;
  return entries(body.workflows).some(([, workflow]) => isSpecWorkflow(workflow));
}

type StoredWorkflow = ProjectDocument['workflows'][number] & {
  id: string;
  name: string;
  lock_version: number;
  jobs: { id: string; name: string }[];
  triggers: { id: string; type: string }[];
  edges: {
    id: string;
    source_job_id: string | null;
    source_trigger_id: string | null;
    target_job_id: string;
  }[];
};

/**
 * The spec form as the state form, resolved against `stored` (the project's current document,
 * or null for a new project). Documents in state form come back unchanged.
 */
export function resolveSpec(body: unknown, stored: ProjectDocument | null): ResolvedSpec {
  const errors: FieldErrors = {};
  const unresolved = new Set<string>();
  if (!isMap(body) || !isSpecDocument(body)) return { body, errors, unresolved };
  const out: Item = { ...body };

  // Credentials: `credentials` (key → {name, owner}) are those shared with the project.
  const credentialIds = new Map<string, string | undefined>();
  if ('credentials' in body) {
    const shared = stored?.project_credentials ?? [];
    const listed: [string | undefined, unknown][] = [];
    entries(body.credentials).forEach(([key, value], i) => {
      const spec = isMap(value) ? value : {};
      const match = shared.find(
        (credential) => credential.name === spec.name && credential.owner === spec.owner,
      );
      credentialIds.set(key ?? String(spec.name), match?.id);
      if (match) listed.push([key, { id: match.id, name: match.name, owner: match.owner }]);
      else {
        addError(
          errors,
          key === undefined ? `credentials[${i}]` : `credentials.${key}`,
          `no credential named "${String(spec.name)}" owned by ${String(spec.owner)} is shared with this project`,
        );
      }
    });
    delete out.credentials;
    if (out.project_credentials === undefined) out.project_credentials = listed.map(([, c]) => c);
  }

  const storedWorkflows = (stored?.workflows ?? []) as StoredWorkflow[];
  const taken = new Set<string>();
  const workflows = entries(body.workflows).map(
    ([key, value], w): [string | undefined, unknown] => {
      if (!isSpecWorkflow(value) || !isMap(value)) return [key, value];
      const spec = value;
      const current =
        (spec.id !== undefined ? storedWorkflows.find((row) => row.id === spec.id) : undefined) ??
        storedWorkflows.find(
          (row) =>
            !taken.has(row.id) &&
            ((key !== undefined && hyphenate(row.name) === key) || row.name === spec.name),
        );
      if (current) taken.add(current.id);
      const prefix = `workflows[${w}]`;
      const workflow: Item = { ...spec, id: spec.id ?? current?.id ?? randomUUID() };
      if (current && workflow.lock_version === undefined && workflow.id === current.id) {
        // Resolved against what was read now: a change made meanwhile is a 409, not overwritten.
        workflow.lock_version = current.lock_version;
      }
      const storedOf = current?.id === workflow.id ? current : undefined;

      // Jobs: by id, else the stored one of the same key or name.
      const jobIds = new Map<string, string>();
      const usedJobs = new Set<string>();
      const jobs = entries(spec.jobs).map(([jobKey, item], j): [string | undefined, unknown] => {
        if (!isMap(item)) return [jobKey, item];
        const { credential, ...job } = item;
        const match =
          job.id === undefined
            ? storedOf?.jobs.find(
                (row) =>
                  !usedJobs.has(row.id) &&
                  ((jobKey !== undefined && hyphenate(row.name) === jobKey) ||
                    row.name === job.name),
              )
            : undefined;
        job.id ??= match?.id ?? randomUUID();
        usedJobs.add(job.id as string);
        if (jobKey !== undefined) jobIds.set(jobKey, job.id as string);
        if (typeof job.name === 'string') {
          if (!jobIds.has(job.name)) jobIds.set(job.name, job.id as string);
          if (!jobIds.has(hyphenate(job.name))) jobIds.set(hyphenate(job.name), job.id as string);
        }
        if (isMap(job.body)) {
          // `body: {path, content}`: the CLI reads the file into `content`; a server cannot.
          if (typeof job.body.content === 'string') job.body = job.body.content;
          else {
            addError(
              errors,
              `${prefix}.jobs[${j}].body`,
              'a body given by path is read by the CLI: send its text (body: "…" or body.content)',
            );
            unresolved.add(`${prefix}.jobs[${j}]`);
            job.body = '';
          }
        }
        if (credential !== undefined) {
          if (credential === null) job.project_credential_id = null;
          else {
            const id = credentialIds.get(String(credential));
            if (id) job.project_credential_id = id;
            else if (!credentialIds.has(String(credential))) {
              addError(
                errors,
                `${prefix}.jobs[${j}].credential`,
                `"${String(credential)}" is not a key of credentials`,
              );
            }
          }
        }
        return [jobKey, job];
      });

      // Triggers: by id, else the stored one of the same type (Lightning keys triggers by type).
      const triggerIds = new Map<string, string>();
      const usedTriggers = new Set<string>();
      const triggers = entries(spec.triggers).map(
        ([triggerKey, item], t): [string | undefined, unknown] => {
          if (!isMap(item)) return [triggerKey, item];
          const { cron_cursor_job, ...trigger } = item;
          const match =
            trigger.id === undefined
              ? storedOf?.triggers.find(
                  (row) =>
                    !usedTriggers.has(row.id) &&
                    (row.type === trigger.type ||
                      (triggerKey !== undefined && row.type === triggerKey)),
                )
              : undefined;
          trigger.id ??= match?.id ?? randomUUID();
          usedTriggers.add(trigger.id as string);
          if (triggerKey !== undefined) triggerIds.set(triggerKey, trigger.id as string);
          if (typeof trigger.type === 'string' && !triggerIds.has(trigger.type)) {
            triggerIds.set(trigger.type, trigger.id as string);
          }
          if (cron_cursor_job !== undefined && cron_cursor_job !== null) {
            addError(
              errors,
              `${prefix}.triggers[${t}].cron_cursor_job`,
              'cron cursors are not supported: send null or leave it out',
            );
          }
          return [triggerKey, trigger];
        },
      );

      // Edges: endpoints by the keys (or names) of this document's jobs and triggers.
      const usedEdges = new Set<string>();
      const edges = entries(spec.edges).map(([edgeKey, item], e): [string | undefined, unknown] => {
        if (!isMap(item)) return [edgeKey, item];
        const { source_job, source_trigger, target_job, ...edge } = item;
        const at = `${prefix}.edges[${e}]`;
        const resolve = (
          field: string,
          name: unknown,
          ids: Map<string, string>,
          what: string,
        ): string | null | undefined => {
          if (name === undefined) return undefined;
          if (name === null) return null;
          const id = ids.get(String(name));
          if (id) return id;
          addError(errors, `${at}.${field}`, `"${String(name)}" is not a ${what} of this workflow`);
          unresolved.add(at);
          return randomUUID();
        };
        const sourceJob = resolve('source_job', source_job, jobIds, 'job');
        const sourceTrigger = resolve('source_trigger', source_trigger, triggerIds, 'trigger');
        const target = resolve('target_job', target_job, jobIds, 'job');
        if (sourceJob !== undefined) edge.source_job_id = sourceJob;
        if (sourceTrigger !== undefined) edge.source_trigger_id = sourceTrigger;
        if (target !== undefined) edge.target_job_id = target;
        if (edge.id === undefined) {
          const match = storedOf?.edges.find(
            (row) =>
              !usedEdges.has(row.id) &&
              row.target_job_id === edge.target_job_id &&
              (row.source_job_id ?? null) === (edge.source_job_id ?? null) &&
              (row.source_trigger_id ?? null) === (edge.source_trigger_id ?? null),
          );
          edge.id = match?.id ?? randomUUID();
        }
        usedEdges.add(edge.id as string);
        return [edgeKey, edge];
      });

      // The spec lists the whole graph: stored items it does not list go, as with `openfn deploy`.
      const removed = <T extends { id: string }>(rows: T[] | undefined, kept: Set<string>) =>
        (rows ?? [])
          .filter((row) => !kept.has(row.id))
          .map((row): [string, unknown] => [`~removed-${row.id}`, { id: row.id, delete: true }]);
      if (storedOf) {
        if (spec.jobs !== undefined) jobs.push(...removed(storedOf.jobs, usedJobs));
        if (spec.triggers !== undefined) triggers.push(...removed(storedOf.triggers, usedTriggers));
        if (spec.edges !== undefined) edges.push(...removed(storedOf.edges, usedEdges));
      }
      if (spec.jobs !== undefined) workflow.jobs = rebuild(spec.jobs, jobs);
      if (spec.triggers !== undefined) workflow.triggers = rebuild(spec.triggers, triggers);
      if (spec.edges !== undefined) workflow.edges = rebuild(spec.edges, edges);
      return [key, workflow];
    },
  );
  if (body.workflows !== undefined) out.workflows = rebuild(body.workflows, workflows);
  return { body: out, errors, unresolved };
}
