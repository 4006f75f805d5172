// The project's workflows, and "New workflow": created with a webhook trigger and a first job so
// the editor opens on something to build on.
import './editor.css';
import '../runs/runs.css';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client';
import { roleAtLeast } from '../api/types';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useAction, useApi } from '../components/hooks';
import { PageHeader } from '../components/Layout';
import { EmptyState, ErrorState, Loading, Notice } from '../components/States';
import { useProjectEvents } from '../live/hooks';
import { useCurrentProject } from '../projects/current';
import { formatTime, StateBadge } from '../runs/types';
import { newEdge, newJob, uuid, type Workflow } from './model';

type Listed = Workflow & { updated_at: string };

interface LastRun {
  workflow_id: string;
  run_id: string;
  state: string;
  inserted_at: string;
  finished_at: string | null;
}

export function WorkflowsPage() {
  const { project } = useCurrentProject();
  const navigate = useNavigate();
  const canEdit = roleAtLeast(project.role, 'editor') || project.role === null;
  const { data, error, loading, reload } = useApi<Listed[]>(
    `/api/projects/${project.id}/workflows?page_size=100`,
  );
  // Each workflow's newest run, kept current as runs start and finish.
  const lastRuns = useApi<LastRun[]>(`/api/projects/${project.id}/last_runs`);
  useProjectEvents(project.id, lastRuns.reload);
  const lastRunOf = new Map((lastRuns.data ?? []).map((run) => [run.workflow_id, run]));
  const [name, setName] = useState('');
  const create = useAction(async (workflowName: string) => {
    const triggerId = uuid();
    const job = newJob([]);
    const created = await api<{ data: Workflow }>(`/api/projects/${project.id}/workflows`, {
      method: 'POST',
      body: {
        name: workflowName,
        jobs: [job],
        triggers: [
          {
            id: triggerId,
            type: 'webhook',
            enabled: true,
            webhook_reply: 'before_start',
          },
        ],
        edges: [newEdge({ kind: 'trigger', id: triggerId }, job.id)],
      },
    });
    navigate(`/projects/${project.id}/workflows/${created.data.id}`);
  });

  const remove = useAction(async (workflow: Listed) => {
    if (!window.confirm(`Delete the workflow "${workflow.name}"? Its history is kept.`)) return;
    await api(`/api/workflows/${workflow.id}?lock_version=${workflow.lock_version}`, {
      method: 'DELETE',
    });
    reload();
  });

  return (
    <>
      <PageHeader title="Workflows" />
      {canEdit && (
        <form
          className="inline-form"
          aria-label="New workflow"
          onSubmit={(event) => {
            event.preventDefault();
            create.run(name.trim());
          }}
        >
          <TextField
            label="New workflow name"
            value={name}
            onChange={setName}
            required
            error={create.fieldError('name')}
          />
          <Button type="submit" variant="primary" busy={create.pending}>
            Create workflow
          </Button>
        </form>
      )}
      {create.formError && !create.fieldError('name') && <Notice>{create.formError}</Notice>}
      {remove.formError && <Notice>{remove.formError}</Notice>}
      {loading && !data ? (
        <Loading label="Loading workflows…" />
      ) : error || !data ? (
        <ErrorState error={error} onRetry={reload} />
      ) : data.length === 0 ? (
        <EmptyState title="No workflows yet.">
          {canEdit && <p>Name one above to start building.</p>}
        </EmptyState>
      ) : (
        <table className="table" aria-label="Workflows">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Jobs</th>
              <th scope="col">Triggers</th>
              <th scope="col">Last run</th>
              <th scope="col">Last saved</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((workflow) => (
              <tr key={workflow.id}>
                <td>
                  <Link to={`/projects/${project.id}/workflows/${workflow.id}`}>
                    {workflow.name}
                  </Link>
                </td>
                <td>{workflow.jobs.length}</td>
                <td>
                  {workflow.triggers
                    .map((t) => `${t.type}${t.enabled ? '' : ' (disabled)'}`)
                    .join(', ') || '—'}
                </td>
                <td>
                  <LastRunCell projectId={project.id} run={lastRunOf.get(workflow.id)} />
                </td>
                <td>{formatTime(workflow.updated_at)}</td>
                <td>
                  <div className="row-actions">
                    <Link to={`/projects/${project.id}/history?workflow_id=${workflow.id}`}>
                      History
                    </Link>
                    {canEdit && (
                      <Button
                        variant="link"
                        onClick={() => remove.run(workflow)}
                        aria-label={`Delete ${workflow.name}`}
                      >
                        Delete
                      </Button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function LastRunCell({ projectId, run }: { projectId: string; run: LastRun | undefined }) {
  if (!run) return <span className="muted">Never run</span>;
  return (
    <span className="last-run">
      <StateBadge state={run.state} />{' '}
      <Link to={`/projects/${projectId}/runs/${run.run_id}`}>
        {formatTime(run.finished_at ?? run.inserted_at)}
      </Link>
    </span>
  );
}
