// "Run from the editor": the selected job with an input typed as JSON, its log streaming below as
// the worker reports it. The run executes the workflow as last saved, so unsaved edits are saved
// first.
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../api/client';
import { Button } from '../components/Button';
import { useApi } from '../components/hooks';
import { Loading, Notice } from '../components/States';
import { useRunStream } from '../live/hooks';
import { LogView } from '../runs/LogView';
import { type Run, StateBadge } from '../runs/types';
import type { Job } from './model';

const CodeEditor = lazy(() => import('./CodeEditor'));

export function RunPanel({
  workflowId,
  projectId,
  job,
  dirty,
  save,
}: {
  workflowId: string;
  projectId: string;
  job: Job;
  dirty: boolean;
  /** Saves the workflow; resolves to false when the save failed (its errors are shown). */
  save: () => Promise<boolean>;
}) {
  const [input, setInput] = useState('{\n  "data": {}\n}\n');
  const [inputError, setInputError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState(false);
  const run = useApi<Run>(runId ? `/api/runs/${runId}` : null);
  const stream = useRunStream(runId, run.reload);
  // Step id → job name, so the log says which job a line came from, as the run inspector does.
  const steps = useMemo(
    () => new Map((run.data?.steps ?? []).map((step) => [step.id, step.job_name ?? job.name])),
    [run.data, job.name],
  );

  const start = async () => {
    setFormError(null);
    let body: unknown;
    try {
      body = JSON.parse(input);
      setInputError(null);
    } catch (error) {
      setInputError(`Not valid JSON: ${(error as Error).message}`);
      return;
    }
    setPending(true);
    try {
      if (dirty && !(await save())) {
        setFormError('Fix the workflow before running it (see the errors above).');
        return;
      }
      const created = await api<{ data: { run_id: string } }>(`/api/workflows/${workflowId}/runs`, {
        method: 'POST',
        body: { job_id: job.id, body },
      });
      setRunId(created.data.run_id);
    } catch (error) {
      setFormError(
        error instanceof ApiError
          ? [error.message, ...Object.values(error.errors).flat()].join(' ')
          : 'The run could not be started.',
      );
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="run-panel" aria-labelledby="run-panel-heading">
      <h2 id="run-panel-heading">Run {job.name}</h2>
      <div className={inputError ? 'field field-invalid' : 'field'}>
        <span className="field-label">Input (JSON)</span>
        <Suspense fallback={<Loading label="Loading the editor…" />}>
          <CodeEditor
            value={input}
            onChange={setInput}
            completions={[]}
            label="Run input (JSON)"
            mode="json"
          />
        </Suspense>
        {inputError && (
          <p className="field-error" role="alert">
            {inputError}
          </p>
        )}
      </div>
      {formError && <Notice>{formError}</Notice>}
      <div className="panel-actions">
        <Button variant="primary" onClick={start} busy={pending}>
          {dirty ? 'Save and run' : 'Run'}
        </Button>
        {run.data && (
          <>
            <StateBadge state={run.data.state} />
            <Link to={`/projects/${projectId}/runs/${run.data.id}`}>Open in the run inspector</Link>
          </>
        )}
      </div>
      {runId && <LogView stream={stream} steps={steps} label="Run log" />}
    </section>
  );
}
