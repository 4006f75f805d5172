// The workflow editor: the graph on the canvas, a side panel for the selected trigger, job or edge,
// "Run" for the selected job, and Save with conflict detection (someone else saved first → say so
// and offer to reload) and validation errors placed on the node or edge they concern.
import './editor.css';
import '../runs/runs.css';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useBlocker, useParams } from 'react-router';
import { ApiError, api, errorMessage } from '../api/client';
import { type ProjectCredential, roleAtLeast } from '../api/types';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useApi } from '../components/hooks';
import { PageHeader } from '../components/Layout';
import { ErrorState, Loading, Notice } from '../components/States';
import { useProjectEvents } from '../live/hooks';
import { useCurrentProject } from '../projects/current';
import { Canvas } from './Canvas';
import {
  type Adaptor,
  addJob,
  connect,
  type PlacedErrors,
  placeErrors,
  removeEdge,
  removeJob,
  type Selection,
  toPayload,
  updateItem,
  type Workflow,
} from './model';
import { EdgePanel, JobPanel, TriggerPanel } from './panels';
import { RunPanel } from './RunPanel';

const NO_ERRORS: PlacedErrors = { items: new Map(), workflow: {} };

export function WorkflowEditorPage() {
  const { workflowId } = useParams();
  const { project } = useCurrentProject();
  const loaded = useApi<Workflow>(workflowId ? `/api/workflows/${workflowId}` : null);
  if (loaded.loading && !loaded.data) return <Loading label="Loading workflow…" />;
  if (loaded.error || !loaded.data)
    return <ErrorState error={loaded.error} onRetry={loaded.reload} />;
  return (
    <Editor
      key={`${loaded.data.id}:${loaded.data.lock_version}`}
      initial={loaded.data}
      projectId={project.id}
      readOnly={!(roleAtLeast(project.role, 'editor') || project.role === null)}
      canManageAuth={roleAtLeast(project.role, 'admin') || project.role === null}
      reload={loaded.reload}
    />
  );
}

function Editor({
  initial,
  projectId,
  readOnly,
  canManageAuth,
  reload,
}: {
  initial: Workflow;
  projectId: string;
  readOnly: boolean;
  canManageAuth: boolean;
  reload: () => void;
}) {
  const [saved, setSaved] = useState(initial);
  const [draft, setDraft] = useState(initial);
  const [selection, setSelection] = useState<Selection>(
    initial.jobs[0] ? { kind: 'job', id: initial.jobs[0].id } : null,
  );
  const [tab, setTab] = useState<'edit' | 'run'>('edit');
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [conflict, setConflict] = useState<number | null>(null);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error' | 'info'; text: string } | null>(
    null,
  );
  const [saving, setSaving] = useState(false);
  // The newest version someone saved, heard over the live socket (our own saves included).
  const [remoteVersion, setRemoteVersion] = useState<number | null>(null);
  useProjectEvents(
    projectId,
    () => {},
    (event) => {
      if (event.event !== 'workflow:updated' || event.data.workflow_id !== initial.id) return;
      const version = Number(event.data.lock_version);
      setRemoteVersion((current) => (current === null || version > current ? version : current));
    },
  );
  const staleVersion =
    remoteVersion !== null && remoteVersion > saved.lock_version && !saving ? remoteVersion : null;

  const adaptors = useApi<Adaptor[]>('/api/adaptors');
  const credentials = useApi<ProjectCredential[]>(`/api/projects/${projectId}/credentials`);
  const authMethods = useApi<
    { id: string; name: string; auth_type: 'basic' | 'api'; trigger_ids: string[] }[]
  >(`/api/projects/${projectId}/webhook_auth_methods`);

  const dirty = useMemo(
    () => JSON.stringify(toPayload(draft)) !== JSON.stringify(toPayload(saved)),
    [draft, saved],
  );
  const invalid = useMemo(() => new Set(errors.items.keys()), [errors]);

  // Leaving with unsaved changes asks first: in the app (the router) and for the tab (the browser).
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    if (window.confirm('This workflow has unsaved changes. Leave without saving them?')) {
      blocker.proceed();
    } else {
      blocker.reset();
    }
  }, [blocker]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const save = useCallback(async (): Promise<boolean> => {
    const sent = draft;
    setSaving(true);
    setNotice(null);
    try {
      const answer = await api<{ data: Workflow }>(`/api/workflows/${sent.id}`, {
        method: 'PUT',
        body: toPayload(sent),
      });
      setSaved(answer.data);
      // Edits made while the save was in flight are kept on top of the new version.
      setDraft((current) =>
        current === sent ? answer.data : { ...current, lock_version: answer.data.lock_version },
      );
      setErrors(NO_ERRORS);
      setConflict(null);
      setNotice({ kind: 'success', text: `Saved (version ${answer.data.lock_version}).` });
      authMethods.reload();
      return true;
    } catch (error) {
      if (
        error instanceof ApiError &&
        error.status === 409 &&
        typeof error.body.lock_version === 'number'
      ) {
        setConflict(error.body.lock_version);
      } else if (error instanceof ApiError && (error.status === 422 || error.status === 400)) {
        const placed = placeErrors(error.errors, sent);
        setErrors(placed);
        setNotice({
          kind: 'error',
          text: `${error.message}${placed.items.size > 0 ? ' — the items marked on the canvas have errors.' : ''}`,
        });
        const first = [...placed.items.keys()][0];
        if (first) {
          const kind = sent.jobs.some((j) => j.id === first)
            ? 'job'
            : sent.triggers.some((t) => t.id === first)
              ? 'trigger'
              : 'edge';
          setSelection({ kind, id: first });
          setTab('edit');
        }
      } else {
        setNotice({ kind: 'error', text: errorMessage(error) });
      }
      return false;
    } finally {
      setSaving(false);
    }
  }, [draft, authMethods]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
        event.preventDefault();
        if (!readOnly && dirty) save();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save, readOnly, dirty]);

  const add = (from: Selection) => {
    const { workflow, job } = addJob(draft, from);
    setDraft(workflow);
    setSelection({ kind: 'job', id: job.id });
    setTab('edit');
  };
  const doConnect = (source: string, target: string) => {
    const result = connect(draft, source, target);
    if ('error' in result) {
      setNotice({ kind: 'error', text: result.error });
      return;
    }
    setDraft(result.workflow);
    setSelection({ kind: 'edge', id: result.edge.id });
  };

  const job = selection?.kind === 'job' ? draft.jobs.find((j) => j.id === selection.id) : undefined;
  const trigger =
    selection?.kind === 'trigger' ? draft.triggers.find((t) => t.id === selection.id) : undefined;
  const edge =
    selection?.kind === 'edge' ? draft.edges.find((e) => e.id === selection.id) : undefined;

  return (
    <div className="editor">
      <PageHeader title={draft.name || 'Workflow'}>
        <span className="muted" role="status">
          {readOnly
            ? 'Read only (viewer)'
            : dirty
              ? 'Unsaved changes'
              : `Version ${saved.lock_version}`}
        </span>
        <Link to={`/projects/${projectId}/history?workflow_id=${draft.id}`}>History</Link>
        {!readOnly && (
          <>
            <Button onClick={() => add(selection)}>Add job</Button>
            <Button variant="primary" onClick={save} busy={saving} disabled={!dirty}>
              Save
            </Button>
          </>
        )}
      </PageHeader>
      {conflict !== null && (
        <Notice>
          Someone else saved this workflow while you were editing: it is now at version {conflict},
          you edited version {draft.lock_version}. Reload to see their version (your unsaved changes
          will be lost). <Button onClick={reload}>Reload</Button>
        </Notice>
      )}
      {staleVersion !== null && conflict === null && (
        <Notice kind="info">
          Someone else saved a newer version ({staleVersion}) of this workflow.{' '}
          {dirty
            ? 'Reload to see it (your unsaved changes would be lost), or save to find out whether they conflict.'
            : 'Reload to see it.'}{' '}
          <Button onClick={reload}>Reload</Button>
        </Notice>
      )}
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {Object.keys(errors.workflow).length > 0 && (
        <Notice>
          {Object.entries(errors.workflow).map(([field, messages]) => (
            <div key={field}>
              {field}: {messages.join('; ')}
            </div>
          ))}
        </Notice>
      )}
      <div className="editor-layout">
        <div className="editor-main">
          {!readOnly && (
            <TextField
              label="Workflow name"
              value={draft.name}
              onChange={(name) => setDraft({ ...draft, name })}
              error={errors.workflow.name?.join('; ')}
            />
          )}
          <Canvas
            workflow={draft}
            selection={selection}
            invalid={invalid}
            readOnly={readOnly}
            onSelect={setSelection}
            onConnect={doConnect}
            onDeleteJobs={(ids) => {
              let next = draft;
              for (const id of ids) next = removeJob(next, id);
              setDraft(next);
              setSelection(null);
            }}
            onDeleteEdges={(ids) => {
              let next = draft;
              for (const id of ids) next = removeEdge(next, id);
              setDraft(next);
              setSelection(null);
            }}
          />
          <p className="muted canvas-help">
            Tab to a node or edge and press Enter to select it, Delete to remove it; drag from a
            node's lower handle to another job to connect them. Ctrl+S saves.
          </p>
        </div>
        <aside className="editor-panel" aria-label="Selected item">
          {job && (
            <div className="tabs" role="tablist" aria-label="Job">
              <button
                type="button"
                role="tab"
                aria-selected={tab === 'edit'}
                onClick={() => setTab('edit')}
              >
                Edit
              </button>
              <button
                type="button"
                role="tab"
                aria-selected={tab === 'run'}
                onClick={() => setTab('run')}
              >
                Run
              </button>
            </div>
          )}
          {job && tab === 'run' && !readOnly ? (
            <RunPanel
              workflowId={draft.id}
              projectId={projectId}
              job={job}
              dirty={dirty}
              save={save}
            />
          ) : job && tab === 'run' ? (
            <p className="muted">Viewers cannot start runs.</p>
          ) : job ? (
            <JobPanel
              workflow={draft}
              job={job}
              adaptors={adaptors.data ?? []}
              credentials={credentials.error ? [] : credentials.data}
              errors={errors.items.get(job.id)}
              readOnly={readOnly}
              onChange={(change) => setDraft(updateItem(draft, 'jobs', job.id, change))}
              onDelete={() => {
                setDraft(removeJob(draft, job.id));
                setSelection(null);
              }}
              onAddAfter={() => add({ kind: 'job', id: job.id })}
              onConnect={(target) => doConnect(job.id, target)}
            />
          ) : trigger ? (
            <TriggerPanel
              trigger={trigger}
              saved={saved.triggers.some((t) => t.id === trigger.id)}
              errors={errors.items.get(trigger.id)}
              readOnly={readOnly}
              canManageAuth={canManageAuth}
              authMethods={authMethods.error ? [] : authMethods.data}
              reloadAuthMethods={authMethods.reload}
              onChange={(change) => setDraft(updateItem(draft, 'triggers', trigger.id, change))}
              onAddJob={() => add({ kind: 'trigger', id: trigger.id })}
              unconnectedTargets={
                draft.edges.some((e) => e.source_trigger_id === trigger.id) ? [] : draft.jobs
              }
              onConnect={(jobId) => doConnect(trigger.id, jobId)}
            />
          ) : edge ? (
            <EdgePanel
              edge={edge}
              workflow={draft}
              errors={errors.items.get(edge.id)}
              readOnly={readOnly}
              onChange={(change) => setDraft(updateItem(draft, 'edges', edge.id, change))}
              onDelete={() => {
                setDraft(removeEdge(draft, edge.id));
                setSelection(null);
              }}
            />
          ) : (
            <div className="panel-body">
              <p className="muted">
                Select the trigger, a job or an edge on the canvas to edit it
                {readOnly ? '' : ', or add a job'}.
              </p>
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}
