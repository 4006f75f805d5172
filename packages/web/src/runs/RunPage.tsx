// The run inspector: the run's state, its steps (state, duration, reason) with their input and
// output data, and its log streaming live while it runs. Retry from any step; cancel while queued.
import './runs.css';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { roleAtLeast } from '../api/types';
import { Button } from '../components/Button';
import { useAction, useApi } from '../components/hooks';
import { PageHeader } from '../components/Layout';
import { EmptyState, ErrorState, Loading, Notice } from '../components/States';
import { useRunStream } from '../live/hooks';
import { useCurrentProject } from '../projects/current';
import { DataclipPanel } from './DataclipPanel';
import { LogView } from './LogView';
import { formatDuration, formatTime, type Run, StateBadge } from './types';

export function RunPage() {
  const { runId } = useParams();
  const { project } = useCurrentProject();
  const navigate = useNavigate();
  const { data: run, error, loading, reload } = useApi<Run>(runId ? `/api/runs/${runId}` : null);
  const stream = useRunStream(runId, reload);
  const [shown, setShown] = useState<{ id: string; title: string } | null>(null);
  const canRetry = roleAtLeast(project.role, 'editor') || project.role === null;

  const retry = useAction(async (stepId?: string) => {
    const body = stepId ? { step_id: stepId } : {};
    const response = await api<{ data: { run_id: string } }>(`/api/runs/${runId}/retry`, {
      method: 'POST',
      body,
    });
    navigate(`/projects/${project.id}/runs/${response.data.run_id}`);
  });
  const cancel = useAction(async () => {
    await api(`/api/runs/${runId}/cancel`, { method: 'POST' });
    reload();
  });

  const stepNames = useMemo(
    () => new Map((run?.steps ?? []).map((step) => [step.id, step.job_name ?? 'job'])),
    [run],
  );

  if (loading && !run) return <Loading label="Loading run…" />;
  if (error || !run) return <ErrorState error={error} onRetry={reload} />;

  const input = shown ?? (run.dataclip_id ? { id: run.dataclip_id, title: 'Run input' } : null);
  return (
    <>
      <PageHeader title={`Run ${run.id.slice(0, 8)}`}>
        <StateBadge state={run.state} />
        {canRetry && (
          <Button onClick={() => retry.run()} busy={retry.pending}>
            Retry run
          </Button>
        )}
        {canRetry && run.state === 'available' && (
          <Button variant="danger" onClick={() => cancel.run()} busy={cancel.pending}>
            Cancel
          </Button>
        )}
      </PageHeader>
      {(retry.formError || cancel.formError) && (
        <Notice>{retry.formError ?? cancel.formError}</Notice>
      )}
      <dl className="run-facts">
        <div>
          <dt>Work order</dt>
          <dd>
            <Link to={`/projects/${project.id}/history?work_order=${run.work_order_id}`}>
              {run.work_order_id.slice(0, 8)}
            </Link>
          </dd>
        </div>
        <div>
          <dt>Workflow</dt>
          <dd>
            <Link to={`/projects/${project.id}/workflows/${run.workflow_id}`}>Open in editor</Link>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatTime(run.started_at)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{formatTime(run.finished_at)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(run.duration_ms)}</dd>
        </div>
        <div>
          <dt>Worker</dt>
          <dd>{run.worker_name ?? '—'}</dd>
        </div>
      </dl>
      {run.error_type && <Notice>Run ended with {run.error_type}: the log says why.</Notice>}
      {run.lost_at && (
        <Notice>
          Marked lost at {formatTime(run.lost_at)} while its worker was still running it; its state
          was corrected when the worker reported how it ended.
        </Notice>
      )}

      <div className="run-layout">
        <section aria-labelledby="steps-heading" className="run-steps">
          <h2 id="steps-heading">Steps</h2>
          {run.steps.length === 0 ? (
            <EmptyState
              title={
                run.state === 'available'
                  ? 'Waiting for a worker…'
                  : run.state === 'claimed'
                    ? 'Preparing: the worker is installing adaptors and loading the input (see the log)…'
                    : 'No steps yet.'
              }
            />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">State</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Data</th>
                  {canRetry && <th scope="col">Retry</th>}
                </tr>
              </thead>
              <tbody>
                {run.steps.map((step) => (
                  <tr key={step.id} data-testid={`step-${step.job_name}`}>
                    <td>{step.job_name ?? step.job_id.slice(0, 8)}</td>
                    <td>
                      <StateBadge state={step.state} />
                    </td>
                    <td>{formatDuration(step.duration_ms)}</td>
                    <td>
                      {step.error_type ? `${step.error_type}: ${step.error_message ?? ''}` : '—'}
                    </td>
                    <td>
                      <div className="row-actions">
                        {step.input_dataclip_id && (
                          <Button
                            variant="link"
                            onClick={() =>
                              setShown({
                                id: step.input_dataclip_id!,
                                title: `Input of ${step.job_name ?? 'step'}`,
                              })
                            }
                          >
                            Input
                          </Button>
                        )}
                        {step.output_dataclip_id && (
                          <Button
                            variant="link"
                            onClick={() =>
                              setShown({
                                id: step.output_dataclip_id!,
                                title: `Output of ${step.job_name ?? 'step'}`,
                              })
                            }
                          >
                            Output
                          </Button>
                        )}
                      </div>
                    </td>
                    {canRetry && (
                      <td>
                        <Button
                          variant="link"
                          onClick={() => retry.run(step.id)}
                          disabled={retry.pending}
                          aria-label={`Retry from ${step.job_name ?? 'this step'}`}
                        >
                          Retry from here
                        </Button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {input && <DataclipPanel key={input.id} dataclipId={input.id} title={input.title} />}
        </section>
        <LogView stream={stream} steps={stepNames} label="Run log" />
      </div>
    </>
  );
}
