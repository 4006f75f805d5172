// Version control: the project's GitHub repository. Connect your GitHub account, choose an
// installation → repository → branch from what GitHub shows you, and follow every sync, deploy and
// check with GitHub's own words when one fails (what OpenFn users miss most: lightning#2965).
import { type FormEvent, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { type ApiError, api } from '../../api/client';
import { roleAtLeast } from '../../api/types';
import { useSession } from '../../auth/session';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { useAction, useApi } from '../../components/hooks';
import { ErrorState, Loading, Notice } from '../../components/States';
import { useCurrentProject } from '../current';
import { useCanAdminister } from './SettingsLayout';

interface GitHubStatus {
  enabled: boolean;
  app_name?: string;
  install_url?: string;
  user?: { connected: boolean; login: string | null };
}

interface Outcome {
  at: string;
  status: 'ok' | 'failed';
  message?: string;
  hint?: string;
  github_status?: number;
  by?: string;
}

interface Connection {
  repo: string;
  branch: string;
  config_path: string;
  sync_direction: 'deploy' | 'pull';
  secret_name: string;
  last_sync_to_github: Outcome | null;
  last_deploy_from_github: Outcome | null;
  last_verify: Outcome | null;
}

/** A failed call's message and, when GitHub failed, what to do about it. */
function Failure({ error }: { error: ApiError | null }) {
  if (!error) return null;
  const github = error.body.github as { hint?: string } | undefined;
  return (
    <Notice>
      {error.message}
      {github?.hint && <div className="hint">{github.hint}</div>}
    </Notice>
  );
}

function OutcomeRow({ label, outcome }: { label: string; outcome: Outcome | null }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td data-testid={label}>
        {!outcome ? (
          'never'
        ) : outcome.status === 'ok' ? (
          <>
            ✓ succeeded {new Date(outcome.at).toLocaleString()}
            {outcome.by ? ` (${outcome.by})` : ''}
          </>
        ) : (
          <div role="alert">
            <strong>✗ failed {new Date(outcome.at).toLocaleString()}</strong>
            {outcome.github_status !== undefined && ` — GitHub answered ${outcome.github_status}`}
            <div>{outcome.message}</div>
            {outcome.hint && <div className="hint">{outcome.hint}</div>}
          </div>
        )}
      </td>
    </tr>
  );
}

export function GitHubSettings() {
  const { project } = useCurrentProject();
  const { user } = useSession();
  const canAdminister = useCanAdminister();
  const canSync = user?.role === 'superuser' || roleAtLeast(project.role, 'editor');
  const [params] = useSearchParams();
  const status = useApi<GitHubStatus>('/api/github');
  const enabled = status.data?.enabled === true;
  const connection = useApi<Connection | null>(
    enabled ? `/api/projects/${project.id}/repo_connection` : null,
  );
  const base = `/api/projects/${project.id}/repo_connection`;
  const sync = useAction(() => api(`${base}/sync`, { method: 'POST' }));
  const verify = useAction(() => api(`${base}/verify`, { method: 'POST' }));
  const remove = useAction((force: boolean) =>
    api(`${base}${force ? '?force=true' : ''}`, { method: 'DELETE' }),
  );
  const disconnectAccount = useAction(() =>
    api('/api/github/user', { method: 'DELETE' }).then(() => true),
  );

  if (status.loading) return <Loading />;
  if (status.error) return <ErrorState error={status.error} onRetry={status.reload} />;
  if (!enabled) {
    return (
      <section className="card" aria-label="GitHub">
        <h2>GitHub</h2>
        <p>
          Version control is not set up on this instance: an administrator configures a GitHub App
          (GITHUB_APP_ID, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET, GITHUB_CERT).
        </p>
      </section>
    );
  }
  const here = `/projects/${project.id}/settings/github`;
  const account = status.data?.user;
  const after = async (action: { run: () => Promise<unknown> }) => {
    await action.run();
    connection.reload();
  };

  return (
    <section className="card" aria-label="GitHub">
      <h2>GitHub</h2>
      {params.get('github_error') && <Notice>{params.get('github_error')}</Notice>}
      {params.get('github_connected') && (
        <Notice kind="success">GitHub account {params.get('github_connected')} connected.</Notice>
      )}
      <p>
        {account?.connected ? (
          <>
            Your GitHub account: <strong>{account.login}</strong>{' '}
            <Button
              variant="link"
              busy={disconnectAccount.pending}
              onClick={async () => {
                if (await disconnectAccount.run()) status.reload();
              }}
            >
              Disconnect GitHub account
            </Button>
          </>
        ) : (
          <a
            className="button button-primary"
            href={`/oauth/github/authorize?return_to=${encodeURIComponent(here)}`}
          >
            Connect your GitHub account
          </a>
        )}
      </p>
      <Failure error={disconnectAccount.error} />

      {connection.loading && <Loading />}
      {connection.error ? (
        <ErrorState error={connection.error} onRetry={connection.reload} />
      ) : null}
      {connection.data ? (
        <>
          <table className="details">
            <tbody>
              <tr>
                <th scope="row">Repository</th>
                <td>
                  {connection.data.repo} · branch <strong>{connection.data.branch}</strong>
                </td>
              </tr>
              <tr>
                <th scope="row">Config</th>
                <td>{connection.data.config_path}</td>
              </tr>
              <tr>
                <th scope="row">Direction</th>
                <td>{connection.data.sync_direction}</td>
              </tr>
              <OutcomeRow
                label="Last sync to GitHub"
                outcome={connection.data.last_sync_to_github}
              />
              <OutcomeRow
                label="Last deploy from GitHub"
                outcome={connection.data.last_deploy_from_github}
              />
              <OutcomeRow label="Last check" outcome={connection.data.last_verify} />
            </tbody>
          </table>
          <Failure error={sync.error ?? verify.error ?? remove.error} />
          <div className="actions">
            {canSync && (
              <Button variant="primary" busy={sync.pending} onClick={() => after(sync)}>
                Sync to GitHub
              </Button>
            )}
            {canSync && (
              <Button busy={verify.pending} onClick={() => after(verify)}>
                Verify connection
              </Button>
            )}
            {canAdminister && (
              <Button
                variant="danger"
                busy={remove.pending}
                onClick={async () => {
                  await remove.run(false);
                  connection.reload();
                }}
              >
                Disconnect repository
              </Button>
            )}
            {canAdminister && remove.error && (
              <Button
                variant="danger"
                onClick={async () => {
                  await remove.run(true);
                  connection.reload();
                }}
              >
                Disconnect anyway
              </Button>
            )}
          </div>
        </>
      ) : null}
      {!connection.loading && !connection.error && connection.data === null && (
        <>
          <p>This project is not connected to a repository.</p>
          {canAdminister && account?.connected && (
            <ConnectForm
              projectId={project.id}
              installUrl={`${status.data?.install_url}?state=${project.id}`}
              onConnected={connection.reload}
            />
          )}
        </>
      )}
    </section>
  );
}

function ConnectForm({
  projectId,
  installUrl,
  onConnected,
}: {
  projectId: string;
  installUrl: string;
  onConnected: () => void;
}) {
  const installations = useApi<{ id: number; account: string }[]>('/api/github/installations');
  const [installation, setInstallation] = useState('');
  const repositories = useApi<{ full_name: string; default_branch: string }[]>(
    installation ? `/api/github/installations/${installation}/repositories` : null,
  );
  const [repo, setRepo] = useState('');
  const branches = useApi<{ name: string }[]>(
    repo ? `/api/github/repositories/${repo}/branches` : null,
  );
  const [branch, setBranch] = useState('');
  const [configPath, setConfigPath] = useState('');
  const [direction, setDirection] = useState('deploy');
  const connect = useAction(() =>
    api(`/api/projects/${projectId}/repo_connection`, {
      body: {
        installation_id: installation,
        repo,
        branch,
        config_path: configPath || null,
        sync_direction: direction,
      },
    }),
  );
  useEffect(() => {
    const first = installations.data?.[0];
    if (!installation && first) setInstallation(String(first.id));
  }, [installations.data, installation]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (await connect.run()) onConnected();
  }

  const loadError = installations.error ?? repositories.error ?? branches.error;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Connect a repository">
      <p>
        Not seeing your repository? <a href={installUrl}>Install the GitHub App</a> on it first.
      </p>
      {loadError ? <ErrorState error={loadError} /> : null}
      <Failure error={connect.error} />
      <SelectField
        label="Installation"
        value={installation}
        onChange={(value) => {
          setInstallation(value);
          setRepo('');
          setBranch('');
        }}
        options={[
          { value: '', label: 'Choose an installation' },
          ...(installations.data ?? []).map((i) => ({ value: String(i.id), label: i.account })),
        ]}
        error={connect.fieldError('installation_id')}
      />
      <SelectField
        label="Repository"
        value={repo}
        onChange={(value) => {
          setRepo(value);
          setBranch('');
        }}
        options={[
          { value: '', label: 'Choose a repository' },
          ...(repositories.data ?? []).map((r) => ({ value: r.full_name, label: r.full_name })),
        ]}
        error={connect.fieldError('repo')}
      />
      <SelectField
        label="Branch"
        value={branch}
        onChange={setBranch}
        options={[
          { value: '', label: 'Choose a branch' },
          ...(branches.data ?? []).map((b) => ({ value: b.name, label: b.name })),
        ]}
        error={connect.fieldError('branch')}
      />
      <TextField
        label="Config path (optional)"
        hint="A config file already in the repository; leave empty to have one written."
        value={configPath}
        onChange={setConfigPath}
        error={connect.fieldError('config_path')}
      />
      <SelectField
        label="Direction"
        value={direction}
        onChange={setDirection}
        options={[
          { value: 'deploy', label: 'Deploy from GitHub (the repository is the source)' },
          { value: 'pull', label: 'Sync to GitHub first (Lightning is the source)' },
        ]}
      />
      <Button type="submit" variant="primary" busy={connect.pending} disabled={!branch}>
        Connect repository
      </Button>
    </form>
  );
}
