// Validation of a workflow save in two stages, so a client can tell them apart:
//  1. shape (`parseWorkflowInput`): types, required fields, unknown keys → 400, each error at its path;
//  2. rules (`validateWorkflowGraph`): Lightning's changeset rules (names, adaptor spec, cron, edge
//     conditions, no cycles, edges inside the workflow) → 422, every problem listed, nothing saved.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { schema } from '../db/index.js';
import { emptyFieldErrors, HttpError, ValidationError } from '../http/errors.js';
import { describeCronError } from './cron-expression.js';
import {
  kafkaConfigurationInputSchema,
  normalizeKafkaConfiguration,
  validateKafkaConfiguration,
} from './kafka-configuration.js';
import type { Edge, FieldErrors, Job, Trigger, WorkflowGraph } from './types.js';

const id = z.guid({ error: 'must be a UUID' });
const nullableText = z.string().nullable().optional();

export const jobInputSchema = z.strictObject({
  id: id.optional(),
  name: z.string(),
  body: z.string().optional(),
  adaptor: z.string().optional(),
  project_credential_id: id.nullable().optional(),
});

export const triggerInputSchema = z.strictObject({
  id: id.optional(),
  type: z.enum(schema.TRIGGER_TYPES).optional(),
  enabled: z.boolean().optional(),
  cron_expression: nullableText,
  webhook_reply: z.enum(schema.WEBHOOK_REPLIES).optional(),
  custom_path: nullableText,
  comment: nullableText,
  kafka_configuration: kafkaConfigurationInputSchema.optional(),
});

export const edgeInputSchema = z.strictObject({
  id: id.optional(),
  source_job_id: id.nullable().optional(),
  source_trigger_id: id.nullable().optional(),
  target_job_id: id,
  condition_type: z.enum(schema.EDGE_CONDITIONS).optional(),
  condition_expression: nullableText,
  condition_label: nullableText,
  enabled: z.boolean().optional(),
});

export const workflowFieldsSchema = {
  name: z.string(),
  concurrency: z.number().int().nullable().optional(),
  enable_job_logs: z.boolean().optional(),
  jobs: z.array(jobInputSchema).optional(),
  triggers: z.array(triggerInputSchema).optional(),
  edges: z.array(edgeInputSchema).optional(),
};

const workflowInputSchema = z.strictObject({
  ...workflowFieldsSchema,
  /** The version the client last read; required on update, ignored on create. */
  lock_version: z.number().int().nonnegative().optional(),
  /** On create, a client-chosen id; on update, ignored (the id is the one in the URL). */
  id: id.optional(),
  // Fields a GET returns, accepted and ignored so a client can send back what it read.
  project_id: z.string().optional(),
  inserted_at: z.string().optional(),
  updated_at: z.string().optional(),
  deleted_at: z.string().nullable().optional(),
});

export type WorkflowInput = z.infer<typeof workflowInputSchema>;
type JobInput = z.infer<typeof jobInputSchema>;
type TriggerInput = z.infer<typeof triggerInputSchema>;
type EdgeInput = z.infer<typeof edgeInputSchema>;

/** `["jobs", 1, "adaptor"]` → `jobs[1].adaptor`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(body)';
}

export function zodFieldErrors(error: z.ZodError, prefix = ''): FieldErrors {
  const errors: FieldErrors = emptyFieldErrors();
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        addError(errors, formatPath([...issue.path, key], prefix), 'is not a known field');
      }
      continue;
    }
    addError(errors, formatPath(issue.path, prefix), issue.message);
  }
  return errors;
}

export function addError(errors: FieldErrors, path: string, message: string): void {
  // Own properties only, and defined rather than assigned: a path may be `__proto__` (a refused
  // key is named by its path), which read or assigned would reach the object's prototype.
  const list = Object.hasOwn(errors, path) ? errors[path] : undefined;
  if (list) list.push(message);
  else {
    Object.defineProperty(errors, path, {
      value: [message],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

/** Stage 1: parses a request body into a workflow input, or throws 400 naming each bad field. */
export function parseWorkflowInput(body: unknown): WorkflowInput {
  const result = workflowInputSchema.safeParse(body ?? {});
  if (!result.success) {
    throw new HttpError(400, 'The workflow document is malformed', {
      errors: zodFieldErrors(result.error),
    });
  }
  return result.data;
}

/** Fills defaults (Lightning's) and generates ids the client did not choose. */
export function normalizeGraph(input: {
  name: string;
  concurrency?: number | null;
  enable_job_logs?: boolean;
  jobs?: JobInput[];
  triggers?: TriggerInput[];
  edges?: EdgeInput[];
}): WorkflowGraph {
  return {
    name: input.name.trim(),
    concurrency: input.concurrency ?? null,
    enable_job_logs: input.enable_job_logs ?? true,
    jobs: (input.jobs ?? []).map(normalizeJob),
    triggers: (input.triggers ?? []).map(normalizeTrigger),
    edges: (input.edges ?? []).map(normalizeEdge),
  };
}

export function normalizeJob(job: JobInput): Job {
  return {
    id: job.id ?? randomUUID(),
    name: job.name.trim(),
    body: job.body ?? '',
    adaptor: job.adaptor ?? '@openfn/language-common@latest',
    project_credential_id: job.project_credential_id ?? null,
  };
}

export function normalizeTrigger(trigger: TriggerInput): Trigger {
  const type = trigger.type ?? 'webhook';
  return {
    id: trigger.id ?? randomUUID(),
    type,
    enabled: trigger.enabled ?? false,
    // Changing the type clears the other type's fields, as Lightning does.
    cron_expression: type === 'cron' ? (trigger.cron_expression ?? '0 0 * * *') : null,
    webhook_reply: trigger.webhook_reply ?? 'before_start',
    custom_path: type === 'webhook' ? (trigger.custom_path ?? null) : null,
    comment: trigger.comment ?? null,
    kafka_configuration:
      type === 'kafka'
        ? normalizeKafkaConfiguration(trigger.kafka_configuration ?? undefined)
        : null,
  };
}

export function normalizeEdge(edge: EdgeInput): Edge {
  const conditionType = edge.condition_type ?? 'always';
  return {
    id: edge.id ?? randomUUID(),
    source_job_id: edge.source_job_id ?? null,
    source_trigger_id: edge.source_trigger_id ?? null,
    target_job_id: edge.target_job_id,
    condition_type: conditionType,
    condition_expression: edge.condition_expression ?? null,
    condition_label: edge.condition_label ?? null,
    enabled: edge.enabled ?? true,
  };
}

// Job names: Lightning's rule (letters, digits, spaces, `_` and `-`, at most 100 characters).
const JOB_NAME = /^[a-zA-Z0-9_\- ]*$/;
// `name@version`: an npm package name (optionally scoped) and a version, a dist-tag or `local`.
const ADAPTOR_SPEC =
  /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*@(latest|next|local|\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)$/;
// Lightning refuses these words in edge conditions: they would reach outside the expression.
const FORBIDDEN_IN_EXPRESSION = /\b(import|require|process|await|eval)\b/;
const CUSTOM_PATH = /^[a-zA-Z0-9_-]{1,255}$/;
const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Stage 2: Lightning's rules over the whole graph. Returns every problem, keyed by field path
 * (`prefix` is prepended, e.g. `workflows[0].`), so a client can show each one where it belongs.
 */
export function validateWorkflowGraph(graph: WorkflowGraph, prefix = ''): FieldErrors {
  const errors: FieldErrors = emptyFieldErrors();
  const at = (path: string, message: string) => addError(errors, `${prefix}${path}`, message);

  if (!graph.name) at('name', 'must not be blank');
  if (/_del\d+$/.test(graph.name)) at('name', 'may not end in "_del" followed by digits');
  if (graph.concurrency !== null && graph.concurrency < 1) {
    at('concurrency', `must be at least 1, or null for no limit (got ${graph.concurrency})`);
  }

  const jobIds = new Map<string, number>();
  const jobNames = new Map<string, number>();
  graph.jobs.forEach((job, i) => {
    if (jobIds.has(job.id)) at(`jobs[${i}].id`, `is used by jobs[${jobIds.get(job.id)}] too`);
    else jobIds.set(job.id, i);
    if (!job.name) at(`jobs[${i}].name`, 'must not be blank');
    else if (job.name.length > 100) at(`jobs[${i}].name`, 'must be at most 100 characters');
    else if (!JOB_NAME.test(job.name)) {
      at(`jobs[${i}].name`, 'may contain only letters, digits, spaces, "_" and "-"');
    }
    const key = job.name.toLowerCase();
    if (job.name && jobNames.has(key)) {
      at(`jobs[${i}].name`, `"${job.name}" is already the name of jobs[${jobNames.get(key)}]`);
    } else jobNames.set(key, i);
    if (!ADAPTOR_SPEC.test(job.adaptor)) {
      at(
        `jobs[${i}].adaptor`,
        `must be "name@version", e.g. "@openfn/language-http@6.5.1" or "@openfn/language-common@latest" (got "${job.adaptor}")`,
      );
    }
  });

  const triggerIds = new Map<string, number>();
  const customPaths = new Map<string, number>();
  graph.triggers.forEach((trigger, i) => {
    if (trigger.custom_path !== null) {
      const other = customPaths.get(trigger.custom_path);
      if (other !== undefined)
        at(`triggers[${i}].custom_path`, `is used by triggers[${other}] too`);
      else customPaths.set(trigger.custom_path, i);
    }
    if (triggerIds.has(trigger.id)) {
      at(`triggers[${i}].id`, `is used by triggers[${triggerIds.get(trigger.id)}] too`);
    } else triggerIds.set(trigger.id, i);
    if (jobIds.has(trigger.id)) at(`triggers[${i}].id`, 'is also the id of a job');
    if (trigger.type === 'kafka') {
      validateKafkaConfiguration(trigger.kafka_configuration, (field, message) =>
        at(`triggers[${i}].${field}`, message),
      );
    }
    if (trigger.type === 'cron') {
      const problem = describeCronError(trigger.cron_expression ?? '');
      if (problem) at(`triggers[${i}].cron_expression`, problem);
    }
    if (trigger.custom_path !== null && UUID_LIKE.test(trigger.custom_path)) {
      at(`triggers[${i}].custom_path`, 'may not look like a UUID (it would read as a trigger id)');
    } else if (trigger.custom_path !== null && !CUSTOM_PATH.test(trigger.custom_path)) {
      at(`triggers[${i}].custom_path`, 'may contain only letters, digits, "_" and "-" (1–255)');
    }
  });

  const edgeIds = new Map<string, number>();
  const edgeKeys = new Map<string, number>();
  const triggerEdges = new Map<string, number>();
  const triggeredJobs = new Map<string, number>();
  graph.edges.forEach((edge, i) => {
    const path = `edges[${i}]`;
    if (edgeIds.has(edge.id)) at(`${path}.id`, `is used by edges[${edgeIds.get(edge.id)}] too`);
    else edgeIds.set(edge.id, i);
    const hasJob = edge.source_job_id !== null;
    const hasTrigger = edge.source_trigger_id !== null;
    if (hasJob === hasTrigger) {
      at(path, 'must have exactly one source: source_job_id or source_trigger_id');
    }
    if (hasJob && !jobIds.has(edge.source_job_id!)) {
      at(`${path}.source_job_id`, 'must be the id of a job of this workflow');
    }
    if (hasTrigger) {
      if (!triggerIds.has(edge.source_trigger_id!)) {
        at(`${path}.source_trigger_id`, 'must be the id of a trigger of this workflow');
      }
      if (edge.condition_type !== 'always' && edge.condition_type !== 'js_expression') {
        at(
          `${path}.condition_type`,
          `an edge from a trigger must be "always" or "js_expression" (got "${edge.condition_type}")`,
        );
      }
      // One trigger per root: a job started by two triggers would have two unrelated inputs.
      const rootOf = triggeredJobs.get(edge.target_job_id);
      if (rootOf !== undefined) {
        at(
          `${path}.target_job_id`,
          `edges[${rootOf}] already starts this job from a trigger: one trigger per root job`,
        );
      } else triggeredJobs.set(edge.target_job_id, i);
      const other = triggerEdges.get(edge.source_trigger_id!);
      if (other !== undefined)
        at(
          `${path}.source_trigger_id`,
          `edges[${other}] already starts at this trigger: a trigger leads to one job`,
        );
      else triggerEdges.set(edge.source_trigger_id!, i);
    }
    if (!jobIds.has(edge.target_job_id)) {
      at(`${path}.target_job_id`, 'must be the id of a job of this workflow');
    }
    if (hasJob && edge.source_job_id === edge.target_job_id) {
      at(`${path}.target_job_id`, 'must differ from source_job_id (a job cannot follow itself)');
    }
    const key = `${edge.source_job_id ?? edge.source_trigger_id}->${edge.target_job_id}`;
    if (edgeKeys.has(key))
      at(path, `duplicates edges[${edgeKeys.get(key)}] (same source and target)`);
    else edgeKeys.set(key, i);

    if (edge.condition_type === 'js_expression') {
      const expression = edge.condition_expression?.trim() ?? '';
      if (!expression) at(`${path}.condition_expression`, 'is required for a js_expression edge');
      else if (expression.length > 255)
        at(`${path}.condition_expression`, 'must be at most 255 characters');
      else {
        const word = FORBIDDEN_IN_EXPRESSION.exec(expression)?.[1];
        if (word) at(`${path}.condition_expression`, `must not contain "${word}"`);
      }
      const label = edge.condition_label?.trim() ?? '';
      if (!label) at(`${path}.condition_label`, 'is required for a js_expression edge');
      else if (label.length > 255) at(`${path}.condition_label`, 'must be at most 255 characters');
    }
  });

  for (const cycle of findCycles(graph)) {
    const names = cycle.map((jobId) => graph.jobs[jobIds.get(jobId)!]!.name);
    at('edges', `form a cycle: ${[...names, names[0]].join(' → ')}`);
  }
  return errors;
}

/** Cycles among job→job edges (each reported once), found by depth-first search. */
function findCycles(graph: WorkflowGraph): string[][] {
  const jobIds = new Set(graph.jobs.map((job) => job.id));
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (!edge.source_job_id || !jobIds.has(edge.source_job_id) || !jobIds.has(edge.target_job_id))
      continue;
    const list = next.get(edge.source_job_id) ?? [];
    list.push(edge.target_job_id);
    next.set(edge.source_job_id, list);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (jobId: string) => {
    state.set(jobId, 'visiting');
    stack.push(jobId);
    for (const target of next.get(jobId) ?? []) {
      const seen = state.get(target);
      if (seen === 'visiting') cycles.push(stack.slice(stack.indexOf(target)));
      else if (seen === undefined) visit(target);
    }
    stack.pop();
    state.set(jobId, 'done');
  };
  for (const jobId of jobIds) if (!state.has(jobId)) visit(jobId);
  return cycles;
}

/** Throws 422 with every problem when `errors` is not empty. */
export function assertNoErrors(errors: FieldErrors, message: string): void {
  if (Object.keys(errors).length > 0) throw new ValidationError(message, errors);
}
