// Shapes of the history API (docs/api.md "Work orders and runs"), as the server sends them.

export interface RunSummary {
  id: string;
  state: string;
  error_type: string | null;
  priority: number;
  queue: string;
  starting_trigger_id: string | null;
  starting_job_id: string | null;
  dataclip_id: string | null;
  snapshot_id: string;
  claimed_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  inserted_at: string;
}

export interface WorkOrder {
  id: string;
  workflow_id: string;
  project_id: string;
  snapshot_id: string | null;
  trigger_id: string | null;
  dataclip_id: string | null;
  state: string;
  last_activity: string;
  inserted_at: string;
  updated_at: string;
  runs: RunSummary[];
}

export interface Step {
  id: string;
  job_id: string;
  job_name: string | null;
  state: string;
  exit_reason: string | null;
  error_type: string | null;
  error_message: string | null;
  input_dataclip_id: string | null;
  output_dataclip_id: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface Run extends RunSummary {
  work_order_id: string;
  workflow_id: string;
  project_id: string;
  created_by_id: string | null;
  worker_name: string | null;
  duration_ms: number | null;
  /** Set when the run had been marked lost and its worker then reported its real outcome. */
  lost_at: string | null;
  steps: Step[];
}

export interface Dataclip {
  id: string;
  project_id: string;
  type: string;
  name: string | null;
  body: unknown;
  request: unknown;
  wiped: boolean;
  wiped_at: string | null;
  inserted_at: string;
}

export interface Paged<T> {
  data: T[];
  meta: { page_size: number; next_cursor: string | null };
}

export const FINAL_STATES = new Set([
  'success',
  'failed',
  'crashed',
  'cancelled',
  'killed',
  'exception',
  'lost',
  'rejected',
]);

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A state badge: text always (colour is never the only signal). */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}
