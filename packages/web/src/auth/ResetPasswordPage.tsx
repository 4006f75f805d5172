// "Forgot your password?": ask for a reset link (always answered the same, so it does not tell
// who has an account), and the page the emailed link opens to choose a new password.
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useAction } from '../components/hooks';
import { Notice } from '../components/States';
import { AuthFrame } from './AuthFrame';
import { PasswordRules } from './PasswordRules';

export function RequestResetPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const request = useAction(() =>
    api('/api/password_reset', { body: { email }, allowUnauthorized: true }).then(() => true),
  );
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (await request.run()) setSent(true);
  }
  return (
    <AuthFrame title="Reset your password">
      {sent ? (
        <Notice kind="success">
          If an account uses {email}, we sent it a link to choose a new password. The link works for
          one day.
        </Notice>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          {request.formError && <Notice>{request.formError}</Notice>}
          <TextField
            label="Email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={setEmail}
            error={request.fieldError('email')}
            required
            autoFocus
          />
          <Button type="submit" variant="primary" busy={request.pending}>
            Send reset link
          </Button>
        </form>
      )}
      <p className="auth-links">
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </AuthFrame>
  );
}

export function ResetPasswordPage() {
  const { token = '' } = useParams();
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const reset = useAction(() =>
    api('/api/password_reset/confirm', {
      body: { token, password },
      allowUnauthorized: true,
    }).then(() => true),
  );
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setMismatch(password !== confirmation);
    if (password !== confirmation) return;
    if (await reset.run()) setDone(true);
  }
  return (
    <AuthFrame title="Choose a new password">
      {done ? (
        <>
          <Notice kind="success">Your password was changed. Sign in with the new one.</Notice>
          <p className="auth-links">
            <Link to="/sign-in">Sign in</Link>
          </p>
        </>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          {reset.formErrorBesides(['password']) && (
            <Notice>
              {reset.fieldError('token')
                ? 'This reset link is invalid or has expired. Ask for a new one.'
                : reset.formError}
            </Notice>
          )}
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            hint={<PasswordRules />}
            value={password}
            onChange={setPassword}
            error={reset.fieldError('password')}
            required
            autoFocus
          />
          <TextField
            label="Confirm the new password"
            type="password"
            autoComplete="new-password"
            value={confirmation}
            onChange={setConfirmation}
            error={mismatch ? 'does not match the password' : undefined}
            required
          />
          <Button type="submit" variant="primary" busy={reset.pending}>
            Change password
          </Button>
          <p className="auth-links">
            <Link to="/users/reset_password">Ask for a new link</Link>
          </p>
        </form>
      )}
    </AuthFrame>
  );
}
