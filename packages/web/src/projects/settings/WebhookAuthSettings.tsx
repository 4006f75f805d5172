// Webhook auth methods of the project (basic or API key). A new method's secret is shown once, in
// the answer to its creation; afterwards only its name and type are listed. Attaching a method to
// a trigger happens in the workflow editor's trigger panel.
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import type { Data } from '../../api/types';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { useAction, useApi } from '../../components/hooks';
import { EmptyState, ErrorState, Loading, Notice } from '../../components/States';
import { useCurrentProject } from '../current';
import { useCanAdminister } from './SettingsLayout';

interface WebhookAuthMethod {
  id: string;
  name: string;
  auth_type: 'basic' | 'api';
  trigger_ids?: string[];
  username?: string;
  password?: string;
  api_key?: string;
}

export function WebhookAuthSettings() {
  const { project } = useCurrentProject();
  const canEdit = useCanAdminister();
  const methods = useApi<WebhookAuthMethod[]>(`/api/projects/${project.id}/webhook_auth_methods`);
  const [name, setName] = useState('');
  const [authType, setAuthType] = useState<'basic' | 'api'>('api');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<WebhookAuthMethod | null>(null);
  const create = useAction(() =>
    api<Data<WebhookAuthMethod>>(`/api/projects/${project.id}/webhook_auth_methods`, {
      body:
        authType === 'basic'
          ? { name, auth_type: 'basic', username, password }
          : { name, auth_type: 'api' },
    }),
  );

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const answer = await create.run();
    if (!answer) return;
    setCreated(answer.data);
    setName('');
    setUsername('');
    setPassword('');
    methods.reload();
  }

  return (
    <>
      <section className="card" aria-labelledby="webhook-auth-heading">
        <h2 id="webhook-auth-heading">Webhook auth methods</h2>
        <p className="muted">
          A webhook trigger protected by a method accepts only requests that present it (HTTP basic
          auth, or the API key in an <code>x-api-key</code> header).
        </p>
        {methods.loading && !methods.data ? (
          <Loading />
        ) : methods.error ? (
          <ErrorState error={methods.error} onRetry={methods.reload} />
        ) : !methods.data || methods.data.length === 0 ? (
          <EmptyState title="No webhook auth methods yet." />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Triggers using it</th>
              </tr>
            </thead>
            <tbody>
              {methods.data.map((method) => (
                <tr key={method.id}>
                  <td>{method.name}</td>
                  <td>{method.auth_type === 'basic' ? 'Basic auth' : 'API key'}</td>
                  <td>{method.trigger_ids?.length ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {created && (
        <Notice kind="success">
          <p>
            <strong>{created.name}</strong> was created. Copy its secret now: it will not be shown
            again.
          </p>
          {created.api_key && (
            <p>
              API key: <code className="secret">{created.api_key}</code>
            </p>
          )}
          {created.username && (
            <p>
              User name: <code className="secret">{created.username}</code>
            </p>
          )}
        </Notice>
      )}
      {canEdit && (
        <form className="card" onSubmit={onSubmit} noValidate aria-label="New webhook auth method">
          <h2>New webhook auth method</h2>
          {create.formError && <Notice>{create.formError}</Notice>}
          <div className="form-row">
            <TextField
              label="Name"
              value={name}
              onChange={setName}
              error={create.fieldError('name')}
              required
            />
            <SelectField
              label="Type"
              value={authType}
              onChange={(value) => setAuthType(value === 'basic' ? 'basic' : 'api')}
              options={[
                { value: 'api', label: 'API key (generated)' },
                { value: 'basic', label: 'Basic auth (user name and password)' },
              ]}
            />
          </div>
          {authType === 'basic' && (
            <div className="form-row">
              <TextField
                label="User name"
                value={username}
                onChange={setUsername}
                autoComplete="off"
                error={create.fieldError('username')}
                required
              />
              <TextField
                label="Password"
                type="password"
                value={password}
                onChange={setPassword}
                autoComplete="new-password"
                hint="8 to 72 characters."
                error={create.fieldError('password')}
                required
              />
            </div>
          )}
          <Button type="submit" variant="primary" busy={create.pending}>
            Create
          </Button>
        </form>
      )}
    </>
  );
}
