// The side panel of the editor: one form per kind of selected item. Field errors from the last
// save (422, placed on the item they concern) show beside their field.
import cronstrue from 'cronstrue';
import { lazy, Suspense, useState } from 'react';
import { api, errorMessage } from '../api/client';
import type { ProjectCredential } from '../api/types';
import { Button } from '../components/Button';
import { CheckboxField, SelectField, TextAreaField, TextField } from '../components/Field';
import { useApi } from '../components/hooks';
import { Loading, Notice } from '../components/States';
import {
  type Adaptor,
  CONDITIONS,
  type ConditionType,
  type Edge,
  type Job,
  reaches,
  splitAdaptor,
  type Trigger,
  type Workflow,
  webhookUrl,
} from './model';

const CodeEditor = lazy(() => import('./CodeEditor'));
type Completion = import('./CodeEditor').Completion; // types only: the editor stays a lazy chunk

type Errors = Record<string, string[]> | undefined;
const err = (errors: Errors, field: string) => errors?.[field]?.join('; ');

/** Errors of the item that no field shows (e.g. "form a cycle"). */
function ItemErrors({ errors, shown }: { errors: Errors; shown: string[] }) {
  const rest = Object.entries(errors ?? {}).filter(([field]) => !shown.includes(field));
  if (rest.length === 0) return null;
  return (
    <Notice>
      {rest.map(([field, messages]) => (
        <div key={field}>
          {field === '(item)' ? '' : `${field}: `}
          {messages.join('; ')}
        </div>
      ))}
    </Notice>
  );
}

/** A job picker and a Connect button: draws an edge to the chosen job (the keyboard's way to connect). */
function ConnectToJob({
  label,
  targets,
  onConnect,
}: {
  label: string;
  targets: { id: string; name: string }[];
  onConnect: (jobId: string) => void;
}) {
  const [connectTo, setConnectTo] = useState('');
  if (targets.length === 0) return null;
  return (
    <div className="inline-form">
      <SelectField
        label={label}
        value={connectTo}
        options={[
          { value: '', label: 'Choose a job…' },
          ...targets.map((t) => ({ value: t.id, label: t.name })),
        ]}
        onChange={setConnectTo}
      />
      <Button
        disabled={!connectTo}
        onClick={() => {
          onConnect(connectTo);
          setConnectTo('');
        }}
      >
        Connect
      </Button>
    </div>
  );
}

export function JobPanel({
  workflow,
  job,
  adaptors,
  credentials,
  errors,
  readOnly,
  onChange,
  onDelete,
  onAddAfter,
  onConnect,
}: {
  workflow: Workflow;
  job: Job;
  adaptors: Adaptor[];
  credentials: ProjectCredential[] | undefined;
  errors: Errors;
  readOnly: boolean;
  onChange: (change: Partial<Job>) => void;
  onDelete: () => void;
  onAddAfter: () => void;
  onConnect: (targetId: string) => void;
}) {
  const { name: adaptorName, version } = splitAdaptor(job.adaptor);
  const known = adaptors.find((a) => a.name === adaptorName);
  const adaptorOptions = [
    ...(known ? [] : [{ value: adaptorName, label: adaptorName }]),
    ...adaptors.map((a) => ({ value: a.name, label: a.name.replace('@openfn/', '') })),
  ];
  const versions = [...new Set([...(known?.versions ?? ['latest']), version])];
  // The functions of the chosen adaptor version (from its installed copy when the server has it).
  const functions = useApi<Completion[]>(
    `/api/adaptors/functions?adaptor=${encodeURIComponent(job.adaptor)}`,
  );
  // Jobs this one may lead to: not itself, not already connected, and not one it can be reached
  // from (that edge would close a cycle, which a save refuses).
  const targets = workflow.jobs.filter(
    (other) =>
      other.id !== job.id &&
      !workflow.edges.some((e) => e.source_job_id === job.id && e.target_job_id === other.id) &&
      !reaches(workflow, other.id, job.id),
  );
  return (
    <div className="panel-body">
      <h2>Job</h2>
      <TextField
        label="Name"
        value={job.name}
        disabled={readOnly}
        onChange={(name) => onChange({ name })}
        error={err(errors, 'name')}
      />
      <div className="field-row field-row-adaptor">
        <SelectField
          label="Adaptor"
          value={adaptorName}
          disabled={readOnly}
          options={adaptorOptions}
          onChange={(name) => onChange({ adaptor: `${name}@latest` })}
          error={err(errors, 'adaptor')}
        />
        <SelectField
          label="Version"
          value={version}
          disabled={readOnly}
          options={versions.map((v) => ({ value: v, label: v }))}
          onChange={(v) => onChange({ adaptor: `${adaptorName}@${v}` })}
        />
      </div>
      <SelectField
        label="Credential"
        value={job.project_credential_id ?? ''}
        disabled={readOnly}
        options={[
          { value: '', label: credentials === undefined ? 'Loading credentials…' : 'None' },
          ...(credentials ?? []).map((c) => ({
            value: c.project_credential_id,
            label: `${c.name} (${c.schema})`,
          })),
        ]}
        onChange={(id) => onChange({ project_credential_id: id || null })}
        error={err(errors, 'project_credential_id')}
      />
      <div className={errors?.body ? 'field field-invalid' : 'field'}>
        <span className="field-label" id={`code-${job.id}`}>
          Code
        </span>
        <Suspense fallback={<Loading label="Loading the code editor…" />}>
          <CodeEditor
            key={job.id}
            value={job.body}
            onChange={(body) => onChange({ body })}
            completions={functions.data ?? (known?.functions ?? []).map((name) => ({ name }))}
            label={`Code of ${job.name}`}
            readOnly={readOnly}
          />
        </Suspense>
        {errors?.body && <p className="field-error">{err(errors, 'body')}</p>}
      </div>
      <ItemErrors errors={errors} shown={['name', 'adaptor', 'project_credential_id', 'body']} />
      {!readOnly && (
        <div className="panel-actions">
          <Button onClick={onAddAfter}>Add job after</Button>
          <ConnectToJob label="Connect to" targets={targets} onConnect={onConnect} />
          <Button variant="danger" onClick={onDelete}>
            Delete job
          </Button>
        </div>
      )}
    </div>
  );
}

interface AuthMethod {
  id: string;
  name: string;
  auth_type: 'basic' | 'api';
  trigger_ids: string[];
}

function cronPreview(expression: string): string {
  try {
    return `${cronstrue.toString(expression, { use24HourTimeFormat: true })} (UTC)`;
  } catch (error) {
    return `Not a valid cron expression: ${String(error).replace(/^Error: /, '')}`;
  }
}

export function TriggerPanel({
  trigger,
  saved,
  errors,
  readOnly,
  canManageAuth,
  authMethods,
  reloadAuthMethods,
  onChange,
  onAddJob,
  unconnectedTargets,
  onConnect,
}: {
  /** Jobs the trigger may lead to; empty when it already leads to one. */
  unconnectedTargets: Job[];
  onConnect: (jobId: string) => void;
  trigger: Trigger;
  /** Whether the trigger exists on the server yet (auth methods attach to saved triggers). */
  saved: boolean;
  errors: Errors;
  readOnly: boolean;
  canManageAuth: boolean;
  authMethods: AuthMethod[] | undefined;
  reloadAuthMethods: () => void;
  onChange: (change: Partial<Trigger>) => void;
  onAddJob: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const [authError, setAuthError] = useState<string | null>(null);
  const url = webhookUrl(trigger);
  const toggleAuth = async (method: AuthMethod, on: boolean) => {
    setAuthError(null);
    try {
      await api(`/api/triggers/${trigger.id}/webhook_auth_methods/${method.id}`, {
        method: on ? 'PUT' : 'DELETE',
      });
      reloadAuthMethods();
    } catch (reason) {
      setAuthError(errorMessage(reason));
    }
  };
  return (
    <div className="panel-body">
      <h2>Trigger</h2>
      <SelectField
        label="Type"
        value={trigger.type}
        disabled={readOnly}
        options={[
          { value: 'webhook', label: 'Webhook' },
          { value: 'cron', label: 'Cron (schedule)' },
        ]}
        onChange={(type) =>
          onChange({
            type: type as Trigger['type'],
            cron_expression: type === 'cron' ? (trigger.cron_expression ?? '0 0 * * *') : null,
          })
        }
        error={err(errors, 'type')}
      />
      <CheckboxField
        label="Enabled"
        checked={trigger.enabled}
        disabled={readOnly}
        onChange={(enabled) => onChange({ enabled })}
        hint={trigger.enabled ? undefined : 'A disabled trigger starts nothing.'}
      />
      {trigger.type === 'webhook' ? (
        <>
          <div className="field">
            <label htmlFor={`webhook-url-${trigger.id}`}>Webhook URL</label>
            <div className="copy-row">
              <input id={`webhook-url-${trigger.id}`} readOnly value={url} />
              <Button
                onClick={async () => {
                  try {
                    await navigator.clipboard.writeText(url);
                    setCopied(true);
                  } catch {
                    setCopied(false);
                  }
                }}
              >
                {copied ? 'Copied' : 'Copy'}
              </Button>
            </div>
            {!saved && <p className="field-hint">Save the workflow before sending to it.</p>}
          </div>
          <SelectField
            label="Reply"
            value={trigger.webhook_reply}
            disabled={readOnly}
            options={[
              { value: 'before_start', label: 'At once, with the work order id' },
              { value: 'after_completion', label: 'After the run finishes, with its result' },
            ]}
            onChange={(webhook_reply) => onChange({ webhook_reply })}
            error={err(errors, 'webhook_reply')}
          />
          <TextField
            label="Custom path (optional)"
            value={trigger.custom_path ?? ''}
            disabled={readOnly}
            onChange={(value) => onChange({ custom_path: value || null })}
            error={err(errors, 'custom_path')}
          />
          <fieldset className="auth-methods">
            <legend>Authentication</legend>
            {!saved ? (
              <p className="muted">Save the workflow to choose how callers authenticate.</p>
            ) : authMethods === undefined ? (
              <Loading label="Loading auth methods…" />
            ) : authMethods.length === 0 ? (
              <p className="muted">
                None: anyone with the URL can send. Project admins add methods in the project's
                webhook settings.
              </p>
            ) : (
              authMethods.map((method) => (
                <CheckboxField
                  key={method.id}
                  label={`${method.name} (${method.auth_type === 'api' ? 'API key' : 'basic'})`}
                  checked={method.trigger_ids.includes(trigger.id)}
                  disabled={!canManageAuth}
                  onChange={(on) => toggleAuth(method, on)}
                />
              ))
            )}
            {authError && <Notice>{authError}</Notice>}
          </fieldset>
        </>
      ) : (
        <TextField
          label="Cron expression"
          value={trigger.cron_expression ?? ''}
          disabled={readOnly}
          onChange={(cron_expression) => onChange({ cron_expression })}
          hint={cronPreview(trigger.cron_expression ?? '')}
          error={err(errors, 'cron_expression')}
        />
      )}
      <ItemErrors
        errors={errors}
        shown={['type', 'webhook_reply', 'custom_path', 'cron_expression']}
      />
      {!readOnly && (
        <div className="panel-actions">
          <Button onClick={onAddJob}>Add job after</Button>
          <ConnectToJob label="Start job" targets={unconnectedTargets} onConnect={onConnect} />
        </div>
      )}
    </div>
  );
}

export function EdgePanel({
  edge,
  workflow,
  errors,
  readOnly,
  onChange,
  onDelete,
}: {
  edge: Edge;
  workflow: Workflow;
  errors: Errors;
  readOnly: boolean;
  onChange: (change: Partial<Edge>) => void;
  onDelete: () => void;
}) {
  const source =
    workflow.jobs.find((j) => j.id === edge.source_job_id)?.name ??
    (edge.source_trigger_id ? 'Trigger' : '?');
  const target = workflow.jobs.find((j) => j.id === edge.target_job_id)?.name ?? '?';
  const fromTrigger = edge.source_trigger_id !== null;
  const conditions = CONDITIONS.filter(
    (c) => !fromTrigger || c.value === 'always' || c.value === 'js_expression',
  );
  return (
    <div className="panel-body">
      <h2>
        Edge: {source} → {target}
      </h2>
      <SelectField
        label="Condition"
        value={edge.condition_type}
        disabled={readOnly}
        options={conditions}
        onChange={(value) => onChange({ condition_type: value as ConditionType })}
        error={err(errors, 'condition_type')}
      />
      {edge.condition_type === 'js_expression' && (
        <>
          <TextAreaField
            label="JS expression (true to follow the edge)"
            value={edge.condition_expression ?? ''}
            rows={3}
            disabled={readOnly}
            onChange={(value) => onChange({ condition_expression: value || null })}
            hint="For example: state.data.length > 0"
            error={err(errors, 'condition_expression')}
          />
          <TextField
            label="Label"
            value={edge.condition_label ?? ''}
            disabled={readOnly}
            onChange={(value) => onChange({ condition_label: value || null })}
            error={err(errors, 'condition_label')}
          />
        </>
      )}
      <CheckboxField
        label="Enabled"
        checked={edge.enabled}
        disabled={readOnly}
        onChange={(enabled) => onChange({ enabled })}
      />
      <ItemErrors
        errors={errors}
        shown={['condition_type', 'condition_expression', 'condition_label']}
      />
      {!readOnly && (
        <div className="panel-actions">
          <Button variant="danger" onClick={onDelete}>
            Delete edge
          </Button>
        </div>
      )}
    </div>
  );
}
