// The signed-in user's account: profile, password, email address, two-factor authentication,
// personal API tokens, and signing out everywhere.
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import type { ApiToken, Data, User } from '../api/types';
import { PasswordRules } from '../auth/PasswordRules';
import { useSession } from '../auth/session';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useAction, useApi } from '../components/hooks';
import { PageHeader } from '../components/Layout';
import { EmptyState, ErrorState, Loading, Notice } from '../components/States';
import { MfaSection } from './MfaSection';

export function AccountPage() {
  const { user } = useSession();
  if (!user) return <Loading />;
  return (
    <>
      <PageHeader title="Your account" />
      <ProfileSection user={user} />
      <PasswordSection />
      <EmailSection user={user} />
      <MfaSection user={user} />
      <TokensSection />
      <SessionsSection />
    </>
  );
}

function ProfileSection({ user }: { user: User }) {
  const { setUser } = useSession();
  const [firstName, setFirstName] = useState(user.first_name);
  const [lastName, setLastName] = useState(user.last_name ?? '');
  const [saved, setSaved] = useState(false);
  const save = useAction(() =>
    api<Data<User>>('/api/me', {
      method: 'PATCH',
      body: { first_name: firstName, last_name: lastName },
    }),
  );
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const answer = await save.run();
    if (answer) {
      setUser(answer.data);
      setSaved(true);
    }
  }
  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label="Profile">
      <h2>Profile</h2>
      {save.formError && <Notice>{save.formError}</Notice>}
      {saved && <Notice kind="success">Saved.</Notice>}
      <div className="form-row">
        <TextField
          label="First name"
          autoComplete="given-name"
          value={firstName}
          onChange={setFirstName}
          error={save.fieldError('first_name')}
        />
        <TextField
          label="Last name"
          autoComplete="family-name"
          value={lastName}
          onChange={setLastName}
          error={save.fieldError('last_name')}
        />
      </div>
      <Button type="submit" variant="primary" busy={save.pending}>
        Save profile
      </Button>
    </form>
  );
}

function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [saved, setSaved] = useState(false);
  const change = useAction(() =>
    api('/api/me/password', { body: { current_password: current, password } }).then(() => true),
  );
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    if (await change.run()) {
      setSaved(true);
      setCurrent('');
      setPassword('');
    }
  }
  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label="Password">
      <h2>Password</h2>
      {change.formErrorBesides(['current_password', 'password']) && (
        <Notice>{change.formErrorBesides(['current_password', 'password'])}</Notice>
      )}
      {saved && (
        <Notice kind="success">Password changed. Your other sessions were signed out.</Notice>
      )}
      <div className="form-row">
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={setCurrent}
          error={change.fieldError('current_password')}
          required
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={<PasswordRules />}
          value={password}
          onChange={setPassword}
          error={change.fieldError('password')}
          required
        />
      </div>
      <Button type="submit" variant="primary" busy={change.pending}>
        Change password
      </Button>
    </form>
  );
}

function EmailSection({ user }: { user: User }) {
  const [email, setEmail] = useState('');
  const [current, setCurrent] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [resent, setResent] = useState(false);
  const resend = useAction(() =>
    api('/api/email_confirmation/resend', { body: { email: user.email } }).then(() => true),
  );
  const change = useAction(() =>
    api('/api/me/email', { body: { email, current_password: current } }).then(() => true),
  );
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (await change.run()) {
      setSentTo(email);
      setCurrent('');
    }
  }
  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label="Email address">
      <h2>Email address</h2>
      <p>
        Currently <strong>{user.email}</strong>
        {user.confirmed ? '' : ' (not confirmed yet)'}.
      </p>
      {!user.confirmed &&
        (resent ? (
          <Notice kind="success">A new confirmation link is on its way to {user.email}.</Notice>
        ) : (
          <p>
            <Button
              variant="link"
              busy={resend.pending}
              onClick={async () => {
                if (await resend.run()) setResent(true);
              }}
            >
              Send the confirmation link again
            </Button>
          </p>
        ))}
      {change.formError && <Notice>{change.formError}</Notice>}
      {sentTo && (
        <Notice kind="success">
          We sent a confirmation link to {sentTo}. Your address changes when you follow it.
        </Notice>
      )}
      <div className="form-row">
        <TextField
          label="New email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={setEmail}
          error={change.fieldError('email')}
          required
        />
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={setCurrent}
          error={change.fieldError('current_password')}
          required
        />
      </div>
      <Button type="submit" variant="primary" busy={change.pending}>
        Change email
      </Button>
    </form>
  );
}

function TokensSection() {
  const tokens = useApi<ApiToken[]>('/api/tokens');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const create = useAction(() =>
    api<Data<{ id: string; name: string; token: string }>>('/api/tokens', { body: { name } }),
  );
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const answer = await create.run();
    if (!answer) return;
    setCreated({ name: answer.data.name, token: answer.data.token });
    setName('');
    tokens.reload();
  }
  async function revoke(token: ApiToken) {
    if (!window.confirm(`Revoke the token "${token.name}"? Programs using it stop working.`)) {
      return;
    }
    setDeleteError(null);
    try {
      await api(`/api/tokens/${token.id}`, { method: 'DELETE' });
      tokens.reload();
    } catch (error) {
      setDeleteError(error instanceof Error ? error.message : 'Could not revoke the token.');
    }
  }
  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="muted">
        Personal access tokens let scripts and the OpenFn CLI call the API as you (
        <code>Authorization: Bearer &lt;token&gt;</code>).
      </p>
      {created && (
        <Notice kind="success">
          <p>
            Token <strong>{created.name}</strong> created. Copy it now: it will not be shown again.
          </p>
          <code className="secret" data-testid="new-api-token">
            {created.token}
          </code>
        </Notice>
      )}
      {deleteError && <Notice>{deleteError}</Notice>}
      {tokens.loading && !tokens.data ? (
        <Loading />
      ) : tokens.error ? (
        <ErrorState error={tokens.error} onRetry={tokens.reload} />
      ) : !tokens.data || tokens.data.length === 0 ? (
        <EmptyState title="No API tokens yet." />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{new Date(token.inserted_at).toLocaleString()}</td>
                <td>
                  {token.last_used_at ? new Date(token.last_used_at).toLocaleString() : 'Never'}
                </td>
                <td>
                  <Button
                    variant="link"
                    aria-label={`Revoke ${token.name}`}
                    onClick={() => revoke(token)}
                  >
                    Revoke
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={onSubmit} noValidate aria-label="New API token" className="inline-form">
        <TextField
          label="Token name"
          value={name}
          onChange={setName}
          error={create.fieldError('name') ?? create.formError}
          required
        />
        <Button type="submit" variant="primary" busy={create.pending}>
          Create token
        </Button>
      </form>
    </section>
  );
}

function SessionsSection() {
  const navigate = useNavigate();
  const { setUser } = useSession();
  const signOutAll = useAction(() =>
    api('/api/sessions', { method: 'DELETE', allowUnauthorized: true }).then(() => true),
  );
  return (
    <section className="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p className="muted">Signs you out on every browser and device, including this one.</p>
      {signOutAll.formError && <Notice>{signOutAll.formError}</Notice>}
      <Button
        variant="danger"
        busy={signOutAll.pending}
        onClick={async () => {
          if (await signOutAll.run()) {
            setUser(null);
            navigate('/sign-in');
          }
        }}
      >
        Sign out everywhere
      </Button>
    </section>
  );
}
