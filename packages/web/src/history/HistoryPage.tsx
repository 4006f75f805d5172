// History: the project's work orders, newest first, filtered by workflow, state, date range and
// text in the input; expandable to runs and their steps; bulk retry, retry from a step, cancel.
// New work and state changes arrive over the live socket (whichever server node handled them).
import '../runs/runs.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api, errorMessage } from '../api/client';
import { roleAtLeast } from '../api/types';
import { Button } from '../components/Button';
import { SelectField, TextField } from '../components/Field';
import { useApi } from '../components/hooks';
import { PageHeader } from '../components/Layout';
import { EmptyState, ErrorState, Loading, Notice } from '../components/States';
import { useProjectEvents } from '../live/hooks';
import { useCurrentProject } from '../projects/current';
import {
  formatDuration,
  formatTime,
  type Paged,
  type Run,
  type RunSummary,
  StateBadge,
  type WorkOrder,
} from '../runs/types';

const STATES = [
  'pending',
  'running',
  'success',
  'failed',
  'crashed',
  'cancelled',
  'killed',
  'exception',
  'lost',
  'rejected',
];

interface WorkflowName {
  id: string;
  name: string;
}

interface Filters {
  workflow_id: string;
  state: string;
  inserted_after: string;
  inserted_before: string;
  search: string;
}

const EMPTY_FILTERS: Filters = {
  workflow_id: '',
  state: '',
  inserted_after: '',
  inserted_before: '',
  search: '',
};

/** Filters as API query parameters (dates are local days, sent as UTC instants). */
function toQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.workflow_id) query.set('workflow_id', filters.workflow_id);
  if (filters.state) query.set('state', filters.state);
  if (filters.inserted_after) {
    query.set('inserted_after', new Date(`${filters.inserted_after}T00:00:00`).toISOString());
  }
  if (filters.inserted_before) {
    const end = new Date(`${filters.inserted_before}T00:00:00`);
    end.setDate(end.getDate() + 1);
    query.set('inserted_before', end.toISOString());
  }
  if (filters.search.trim()) query.set('search', filters.search.trim());
  return query;
}

export function HistoryPage() {
  const { project } = useCurrentProject();
  const [params, setParams] = useSearchParams();
  const canEdit = roleAtLeast(project.role, 'editor') || project.role === null;
  const { data: workflows } = useApi<WorkflowName[]>(
    `/api/projects/${project.id}/workflows?page_size=100`,
  );
  const workflowNames = useMemo(
    () => new Map((workflows ?? []).map((w) => [w.id, w.name])),
    [workflows],
  );

  const [draft, setDraft] = useState<Filters>(() => ({
    ...EMPTY_FILTERS,
    workflow_id: params.get('workflow_id') ?? '',
    state: params.get('state') ?? '',
    search: params.get('search') ?? '',
  }));
  const [filters, setFilters] = useState<Filters>(draft);
  const [items, setItems] = useState<WorkOrder[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  /** Bumped by each new list (filters applied): answers for an older list are dropped. */
  const generation = useRef(0);
  const shownCount = useRef(0);
  shownCount.current = items.length;

  const base = `/api/projects/${project.id}/work_orders`;
  const load = useCallback(
    async (mode: 'replace' | 'more' | 'refresh', after?: string | null) => {
      if (mode === 'replace') generation.current += 1;
      const mine = generation.current;
      const query = toQuery(filters);
      if (mode === 'more' && after) query.set('cursor', after);
      if (mode !== 'refresh') setLoading(true);
      try {
        const page = await api<Paged<WorkOrder>>(`${base}?${query}`);
        if (mine !== generation.current) return;
        setError(null);
        setFieldErrors({});
        if (mode === 'replace') {
          setItems(page.data);
          setCursor(page.meta.next_cursor);
        } else if (mode === 'more') {
          setItems((current) => current.concat(page.data));
          setCursor(page.meta.next_cursor);
        } else {
          // Live refresh: newer work orders on top, changed ones updated in place; pages the user
          // loaded further down stay.
          setItems((current) => {
            const fresh = new Map(page.data.map((wo) => [wo.id, wo]));
            const kept = current.map((wo) => fresh.get(wo.id) ?? wo);
            const known = new Set(current.map((wo) => wo.id));
            return page.data.filter((wo) => !known.has(wo.id)).concat(kept);
          });
          if (shownCount.current === 0) setCursor(page.meta.next_cursor);
        }
      } catch (reason) {
        if (reason instanceof ApiError && reason.status === 400) setFieldErrors(reason.errors);
        setError(reason);
      } finally {
        setLoading(false);
      }
    },
    [base, filters],
  );

  useEffect(() => {
    setSelected(new Set());
    load('replace');
  }, [load]);

  useProjectEvents(project.id, () => load('refresh'));

  const apply = (event: React.FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries(draft)) if (value) next.set(key, value);
    setParams(next, { replace: true });
  };

  const retrySelected = async () => {
    setBusy(true);
    setNotice(null);
    let retried = 0;
    const failures: string[] = [];
    for (const id of selected) {
      const workOrder = items.find((wo) => wo.id === id);
      const first = workOrder?.runs[0];
      if (!first) continue;
      try {
        await api(`/api/runs/${first.id}/retry`, { method: 'POST', body: {} });
        retried += 1;
      } catch (reason) {
        failures.push(`${id.slice(0, 8)}: ${errorMessage(reason)}`);
      }
    }
    setBusy(false);
    setSelected(new Set());
    setNotice(
      failures.length
        ? { kind: 'error', text: `Retried ${retried}; not retried: ${failures.join('; ')}` }
        : { kind: 'success', text: `Retried ${retried} work order${retried === 1 ? '' : 's'}.` },
    );
    load('refresh');
  };

  const retryMatching = async () => {
    if (!window.confirm('Retry every work order matching these filters from its start?')) return;
    setBusy(true);
    setNotice(null);
    const query = toQuery(filters);
    const body: Record<string, unknown> = { project_id: project.id };
    for (const [key, value] of query) body[key] = value;
    let retried = 0;
    let skipped = 0;
    try {
      let next: string | null = null;
      do {
        const answer: {
          data: { retried: unknown[]; skipped: unknown[] };
          meta: { next_cursor: string | null };
        } = await api('/api/work_orders/retry', {
          method: 'POST',
          body: next ? { ...body, cursor: next } : body,
        });
        retried += answer.data.retried.length;
        skipped += answer.data.skipped.length;
        next = answer.meta.next_cursor;
      } while (next);
      setNotice({
        kind: 'success',
        text: `Retried ${retried} work order${retried === 1 ? '' : 's'}${skipped ? `; ${skipped} skipped (input wiped)` : ''}.`,
      });
    } catch (reason) {
      setNotice({ kind: 'error', text: errorMessage(reason) });
    } finally {
      setBusy(false);
      load('refresh');
    }
  };

  const allSelected = items.length > 0 && items.every((wo) => selected.has(wo.id));
  return (
    <>
      <PageHeader title="History">
        {canEdit && (
          <>
            <Button onClick={retrySelected} disabled={selected.size === 0} busy={busy}>
              Retry selected ({selected.size})
            </Button>
            <Button onClick={retryMatching} disabled={items.length === 0} busy={busy}>
              Retry all matching
            </Button>
          </>
        )}
      </PageHeader>
      <form className="filters" onSubmit={apply} aria-label="Filter work orders">
        <SelectField
          label="Workflow"
          value={draft.workflow_id}
          onChange={(value) => setDraft({ ...draft, workflow_id: value })}
          options={[
            { value: '', label: 'All workflows' },
            ...(workflows ?? []).map((w) => ({ value: w.id, label: w.name })),
          ]}
          error={fieldErrors.workflow_id?.join('; ')}
        />
        <SelectField
          label="State"
          value={draft.state}
          onChange={(value) => setDraft({ ...draft, state: value })}
          options={[
            { value: '', label: 'Any state' },
            ...STATES.map((s) => ({ value: s, label: s })),
          ]}
          error={fieldErrors.state?.join('; ')}
        />
        <TextField
          label="From"
          type="date"
          value={draft.inserted_after}
          onChange={(value) => setDraft({ ...draft, inserted_after: value })}
          error={fieldErrors.inserted_after?.join('; ')}
        />
        <TextField
          label="To"
          type="date"
          value={draft.inserted_before}
          onChange={(value) => setDraft({ ...draft, inserted_before: value })}
          error={fieldErrors.inserted_before?.join('; ')}
        />
        <TextField
          label="Input contains"
          type="search"
          value={draft.search}
          maxLength={200}
          onChange={(value) => setDraft({ ...draft, search: value })}
          error={fieldErrors.search?.join('; ')}
        />
        <div className="filter-actions">
          <Button type="submit" variant="primary">
            Filter
          </Button>
          <Button
            onClick={() => {
              setDraft(EMPTY_FILTERS);
              setFilters(EMPTY_FILTERS);
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            Clear
          </Button>
        </div>
      </form>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {loading && items.length === 0 ? (
        <Loading label="Loading history…" />
      ) : error && items.length === 0 ? (
        <ErrorState error={error} onRetry={() => load('replace')} />
      ) : items.length === 0 ? (
        <EmptyState title="No work orders match.">
          <p>Runs started by webhooks, cron triggers or the editor appear here as they happen.</p>
        </EmptyState>
      ) : (
        <>
          <table className="table history-table" aria-label="Work orders">
            <thead>
              <tr>
                {canEdit && (
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select all shown work orders"
                      checked={allSelected}
                      onChange={(event) =>
                        setSelected(
                          event.target.checked ? new Set(items.map((wo) => wo.id)) : new Set(),
                        )
                      }
                    />
                  </th>
                )}
                <th scope="col">Work order</th>
                <th scope="col">Workflow</th>
                <th scope="col">State</th>
                <th scope="col">Received</th>
                <th scope="col">Last activity</th>
                <th scope="col">Runs</th>
              </tr>
            </thead>
            {items.map((workOrder) => (
              <WorkOrderRows
                key={workOrder.id}
                workOrder={workOrder}
                workflowName={workflowNames.get(workOrder.workflow_id)}
                projectId={project.id}
                canEdit={canEdit}
                selected={selected.has(workOrder.id)}
                initiallyOpen={params.get('work_order') === workOrder.id}
                onSelect={(on) =>
                  setSelected((current) => {
                    const next = new Set(current);
                    if (on) next.add(workOrder.id);
                    else next.delete(workOrder.id);
                    return next;
                  })
                }
                onChanged={() => load('refresh')}
              />
            ))}
          </table>
          {cursor && (
            <div className="pager">
              <Button onClick={() => load('more', cursor)} busy={loading}>
                Load older work orders
              </Button>
            </div>
          )}
        </>
      )}
    </>
  );
}

function WorkOrderRows({
  workOrder,
  workflowName,
  projectId,
  canEdit,
  selected,
  initiallyOpen,
  onSelect,
  onChanged,
}: {
  workOrder: WorkOrder;
  workflowName: string | undefined;
  projectId: string;
  canEdit: boolean;
  selected: boolean;
  initiallyOpen: boolean;
  onSelect: (on: boolean) => void;
  onChanged: () => void;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  const short = workOrder.id.slice(0, 8);
  return (
    <tbody className="work-order" data-testid={`work-order-${workOrder.id}`}>
      <tr>
        {canEdit && (
          <td>
            <input
              type="checkbox"
              aria-label={`Select work order ${short}`}
              checked={selected}
              onChange={(event) => onSelect(event.target.checked)}
            />
          </td>
        )}
        <td>
          <button
            type="button"
            className="expand"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
            aria-label={`${open ? 'Collapse' : 'Expand'} work order ${short}`}
          >
            {open ? '▾' : '▸'} {short}
          </button>
        </td>
        <td>{workflowName ?? workOrder.workflow_id.slice(0, 8)}</td>
        <td>
          <StateBadge state={workOrder.state} />
        </td>
        <td>{formatTime(workOrder.inserted_at)}</td>
        <td>{formatTime(workOrder.last_activity)}</td>
        <td>{workOrder.runs.length}</td>
      </tr>
      {open &&
        workOrder.runs.map((run) => (
          <RunRow
            key={run.id}
            run={run}
            projectId={projectId}
            canEdit={canEdit}
            colSpan={canEdit ? 7 : 6}
            onChanged={onChanged}
          />
        ))}
    </tbody>
  );
}

function RunRow({
  run,
  projectId,
  canEdit,
  colSpan,
  onChanged,
}: {
  run: RunSummary;
  projectId: string;
  canEdit: boolean;
  colSpan: number;
  onChanged: () => void;
}) {
  const [showSteps, setShowSteps] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const started = run.started_at ? new Date(run.started_at).getTime() : null;
  const finished = run.finished_at ? new Date(run.finished_at).getTime() : null;
  const cancel = async () => {
    try {
      await api(`/api/runs/${run.id}/cancel`, { method: 'POST' });
      onChanged();
    } catch (reason) {
      setMessage(errorMessage(reason));
    }
  };
  return (
    <tr className="run-row">
      <td colSpan={colSpan}>
        <div className="run-line">
          <Link to={`/projects/${projectId}/runs/${run.id}`}>Run {run.id.slice(0, 8)}</Link>
          <StateBadge state={run.state} />
          <span className="muted">
            {formatTime(run.inserted_at)} ·{' '}
            {formatDuration(started !== null && finished !== null ? finished - started : null)}
          </span>
          <Button variant="link" aria-expanded={showSteps} onClick={() => setShowSteps(!showSteps)}>
            {showSteps ? 'Hide steps' : 'Steps'}
          </Button>
          {canEdit && run.state === 'available' && (
            <Button variant="link" onClick={cancel}>
              Cancel
            </Button>
          )}
        </div>
        {message && <Notice>{message}</Notice>}
        {showSteps && (
          <RunSteps runId={run.id} projectId={projectId} canEdit={canEdit} onChanged={onChanged} />
        )}
      </td>
    </tr>
  );
}

function RunSteps({
  runId,
  projectId,
  canEdit,
  onChanged,
}: {
  runId: string;
  projectId: string;
  canEdit: boolean;
  onChanged: () => void;
}) {
  const { data: run, error, loading, reload } = useApi<Run>(`/api/runs/${runId}`);
  const [message, setMessage] = useState<string | null>(null);
  if (loading && !run) return <Loading label="Loading steps…" />;
  if (error || !run) return <ErrorState error={error} onRetry={reload} />;
  if (run.steps.length === 0) return <p className="muted">No steps.</p>;
  const retryFrom = async (stepId: string) => {
    try {
      await api(`/api/runs/${runId}/retry`, { method: 'POST', body: { step_id: stepId } });
      onChanged();
    } catch (reason) {
      setMessage(errorMessage(reason));
    }
  };
  return (
    <>
      {message && <Notice>{message}</Notice>}
      <ol className="step-list">
        {run.steps.map((step) => (
          <li key={step.id}>
            <span>{step.job_name ?? step.job_id.slice(0, 8)}</span>
            <StateBadge state={step.state} />
            <span className="muted">{formatDuration(step.duration_ms)}</span>
            {step.error_type && (
              <span className="muted">
                {step.error_type}: {step.error_message}
              </span>
            )}
            <Link to={`/projects/${projectId}/runs/${runId}`}>Inspect</Link>
            {canEdit && (
              <Button variant="link" onClick={() => retryFrom(step.id)}>
                Retry from {step.job_name ?? 'this step'}
              </Button>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}
