// The workflow as the editor holds it (the API's shape, docs/api.md "Workflows"), and the pure
// operations on it: add/remove/connect, the save payload, and where each 422 error belongs.

export type ConditionType = 'always' | 'on_job_success' | 'on_job_failure' | 'js_expression';

export interface Job {
  id: string;
  name: string;
  body: string;
  adaptor: string;
  project_credential_id: string | null;
}

export interface Trigger {
  id: string;
  type: 'webhook' | 'cron' | 'kafka';
  enabled: boolean;
  cron_expression: string | null;
  webhook_reply: string;
  custom_path: string | null;
  comment: string | null;
}

export interface Edge {
  id: string;
  source_job_id: string | null;
  source_trigger_id: string | null;
  target_job_id: string;
  condition_type: ConditionType;
  condition_expression: string | null;
  condition_label: string | null;
  enabled: boolean;
}

export interface Workflow {
  id: string;
  project_id: string;
  name: string;
  concurrency: number | null;
  enable_job_logs: boolean;
  lock_version: number;
  jobs: Job[];
  triggers: Trigger[];
  edges: Edge[];
}

export interface Adaptor {
  name: string;
  latest: string;
  versions: string[];
  functions: string[];
}

export type Selection = { kind: 'job' | 'trigger' | 'edge'; id: string } | null;

export const DEFAULT_ADAPTOR = '@openfn/language-common@latest';

export const CONDITIONS: { value: ConditionType; label: string }[] = [
  { value: 'always', label: 'Always' },
  { value: 'on_job_success', label: 'On success' },
  { value: 'on_job_failure', label: 'On failure' },
  { value: 'js_expression', label: 'When a JS expression is true' },
];

export const uuid = (): string => crypto.randomUUID();

/** `@openfn/language-http@6.5.1` → name and version (the version after the last `@`). */
export function splitAdaptor(spec: string): { name: string; version: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return { name: spec, version: 'latest' };
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

export function newJob(existing: Job[]): Job {
  const names = new Set(existing.map((job) => job.name.toLowerCase()));
  let n = existing.length + 1;
  while (names.has(`job ${n}`)) n += 1;
  return {
    id: uuid(),
    name: `Job ${n}`,
    body: 'fn(state => {\n  return state;\n});\n',
    adaptor: DEFAULT_ADAPTOR,
    project_credential_id: null,
  };
}

/** Adds a job, connected from `from` (a job or the trigger) when given. */
export function addJob(workflow: Workflow, from: Selection): { workflow: Workflow; job: Job } {
  const job = newJob(workflow.jobs);
  const edges = [...workflow.edges];
  const source = from && from.kind !== 'edge' ? from : null;
  if (source) {
    const trigger = source.kind === 'trigger';
    // A trigger leads to one job: adding "after the trigger" when it already has one adds a job
    // after that job instead.
    const triggerTarget = trigger
      ? workflow.edges.find((edge) => edge.source_trigger_id === source.id)
      : undefined;
    const origin: { kind: 'job' | 'trigger'; id: string } = triggerTarget
      ? { kind: 'job', id: triggerTarget.target_job_id }
      : { kind: source.kind === 'trigger' ? 'trigger' : 'job', id: source.id };
    edges.push(newEdge(origin, job.id));
  }
  return { workflow: { ...workflow, jobs: [...workflow.jobs, job], edges }, job };
}

export function newEdge(
  source: { kind: 'job' | 'trigger'; id: string },
  targetJobId: string,
): Edge {
  return {
    id: uuid(),
    source_job_id: source.kind === 'job' ? source.id : null,
    source_trigger_id: source.kind === 'trigger' ? source.id : null,
    target_job_id: targetJobId,
    condition_type: source.kind === 'trigger' ? 'always' : 'on_job_success',
    condition_expression: null,
    condition_label: null,
    enabled: true,
  };
}

/** A connection the canvas (or the panel) asks for; null when it would break a rule. */
export function connect(
  workflow: Workflow,
  sourceId: string,
  targetId: string,
): { workflow: Workflow; edge: Edge } | { error: string } {
  const target = workflow.jobs.find((job) => job.id === targetId);
  if (!target) return { error: 'Edges end at a job.' };
  if (sourceId === targetId) return { error: 'A job cannot follow itself.' };
  const trigger = workflow.triggers.find((t) => t.id === sourceId);
  const sourceKind = trigger ? 'trigger' : 'job';
  if (!trigger && !workflow.jobs.some((job) => job.id === sourceId)) {
    return { error: 'Unknown source.' };
  }
  const duplicate = workflow.edges.some(
    (edge) =>
      (edge.source_job_id === sourceId || edge.source_trigger_id === sourceId) &&
      edge.target_job_id === targetId,
  );
  if (duplicate) return { error: 'These two are already connected.' };
  if (trigger && workflow.edges.some((edge) => edge.source_trigger_id === sourceId)) {
    return { error: 'A trigger leads to one job: remove its edge first.' };
  }
  if (!trigger && reaches(workflow, targetId, sourceId)) {
    return { error: 'That edge would make a cycle.' };
  }
  const edge = newEdge({ kind: sourceKind, id: sourceId }, targetId);
  return { workflow: { ...workflow, edges: [...workflow.edges, edge] }, edge };
}

/** Whether job `to` can be reached from job `from` along edges. */
export function reaches(workflow: Workflow, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const edge of workflow.edges) {
      if (edge.source_job_id === id) stack.push(edge.target_job_id);
    }
  }
  return false;
}

export function removeJob(workflow: Workflow, jobId: string): Workflow {
  return {
    ...workflow,
    jobs: workflow.jobs.filter((job) => job.id !== jobId),
    edges: workflow.edges.filter(
      (edge) => edge.target_job_id !== jobId && edge.source_job_id !== jobId,
    ),
  };
}

export function removeEdge(workflow: Workflow, edgeId: string): Workflow {
  return { ...workflow, edges: workflow.edges.filter((edge) => edge.id !== edgeId) };
}

export function updateItem<K extends 'jobs' | 'triggers' | 'edges'>(
  workflow: Workflow,
  kind: K,
  id: string,
  change: Partial<Workflow[K][number]>,
): Workflow {
  return {
    ...workflow,
    [kind]: (workflow[kind] as Array<{ id: string }>).map((item) =>
      item.id === id ? { ...item, ...change } : item,
    ),
  };
}

/** The PUT body: the workflow as read, with the version the user edited. */
export function toPayload(workflow: Workflow) {
  return {
    name: workflow.name,
    concurrency: workflow.concurrency,
    enable_job_logs: workflow.enable_job_logs,
    lock_version: workflow.lock_version,
    jobs: workflow.jobs,
    triggers: workflow.triggers,
    edges: workflow.edges,
  };
}

export interface PlacedErrors {
  /** Item id → field → messages. */
  items: Map<string, Record<string, string[]>>;
  /** Errors of the workflow itself (name, concurrency) or that name no item. */
  workflow: Record<string, string[]>;
}

/** Puts `{"jobs[1].adaptor": [...]}` on the item that was at that index of the saved payload. */
export function placeErrors(
  errors: Record<string, string[]>,
  sent: Pick<Workflow, 'jobs' | 'triggers' | 'edges'>,
): PlacedErrors {
  const placed: PlacedErrors = { items: new Map(), workflow: {} };
  for (const [path, messages] of Object.entries(errors)) {
    const match = /^(jobs|triggers|edges)\[(\d+)\](?:\.(.+))?$/.exec(path);
    const item = match ? sent[match[1] as 'jobs' | 'triggers' | 'edges'][Number(match[2])] : null;
    if (!match || !item) {
      placed.workflow[path] = messages;
      continue;
    }
    const field = match[3] ?? '(item)';
    const entry = placed.items.get(item.id) ?? {};
    entry[field] = [...(entry[field] ?? []), ...messages];
    placed.items.set(item.id, entry);
  }
  return placed;
}

/** Where the webhook of a trigger listens. */
export function webhookUrl(trigger: Trigger): string {
  return `${window.location.origin}/i/${trigger.custom_path || trigger.id}`;
}

export function edgeLabel(edge: Edge): string {
  if (edge.condition_type === 'js_expression') return edge.condition_label || 'JS expression';
  return CONDITIONS.find((c) => c.value === edge.condition_type)?.label ?? edge.condition_type;
}
