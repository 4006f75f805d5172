// Sign in: email + password, then (when the account has MFA) a code from the authenticator app or
// a backup code. `?next=` brings the user back where the 401 found them. With single sign-on the
// button leaves for the provider (/sso/login); the server's callback comes back here with
// `?sso_error=` when it refused, or `?sso=mfa` when the account still owes its second factor.
import { type FormEvent, useEffect, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { Data, User } from '../api/types';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useAction } from '../components/hooks';
import { Loading, Notice } from '../components/States';
import { AuthFrame } from './AuthFrame';
import { safeNext } from './next';
import { useSession } from './session';

type SignedIn = Data<{ user: User }>;
type SignInAnswer = SignedIn | { mfa_required: true };

export function SignInPage() {
  const { user, instance, setUser, refreshInstance } = useSession();
  // Whether the instance has users at all is read afresh: someone may have created the first
  // account (here or with `lightning create-user`) since the app loaded.
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    void refreshInstance().then(() => setChecked(true));
  }, [refreshInstance]);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const ssoError = params.get('sso_error');
  const [step, setStep] = useState<'password' | 'mfa'>(
    params.get('sso') === 'mfa' ? 'mfa' : 'password',
  );
  const [code, setCode] = useState('');
  const [useBackup, setUseBackup] = useState(false);
  const [resent, setResent] = useState(false);

  const signIn = useAction(() =>
    api<SignInAnswer>('/api/session', { body: { email, password }, allowUnauthorized: true }),
  );
  const verify = useAction(() =>
    api<SignedIn>('/api/session/mfa', {
      body: useBackup ? { backup_code: code.trim() } : { code: code.trim() },
      allowUnauthorized: true,
    }),
  );
  const resend = useAction(() =>
    api('/api/email_confirmation/resend', { body: { email }, allowUnauthorized: true }),
  );

  if (user) return <Navigate to={next} replace />;
  // A fresh instance has nobody to sign in: its first page creates the first (admin) account.
  if (instance && !instance.has_users) {
    return checked ? <Navigate to="/sign-up" replace /> : <Loading />;
  }

  async function onPassword(event: FormEvent) {
    event.preventDefault();
    const answer = await signIn.run();
    if (!answer) return;
    if ('mfa_required' in answer) {
      setStep('mfa');
      return;
    }
    setUser(answer.data.user);
    navigate(next, { replace: true });
  }

  async function onCode(event: FormEvent) {
    event.preventDefault();
    const answer = await verify.run();
    if (!answer) return;
    setUser(answer.data.user);
    navigate(next, { replace: true });
  }

  if (step === 'mfa') {
    return (
      <AuthFrame title="Two-factor authentication">
        <form onSubmit={onCode} noValidate>
          {verify.formError && <Notice>{verify.formError}</Notice>}
          <TextField
            label={useBackup ? 'Backup code' : 'Code from your authenticator app'}
            name="code"
            autoComplete="one-time-code"
            inputMode={useBackup ? 'text' : 'numeric'}
            value={code}
            onChange={setCode}
            error={verify.fieldError(useBackup ? 'backup_code' : 'code')}
            required
            autoFocus
          />
          <Button type="submit" variant="primary" busy={verify.pending}>
            Verify
          </Button>{' '}
          <Button variant="link" onClick={() => setUseBackup(!useBackup)}>
            {useBackup ? 'Use an authenticator code' : 'Use a backup code'}
          </Button>
        </form>
      </AuthFrame>
    );
  }

  const confirmationRequired = signIn.error?.body.confirmation_required === true;
  const signUpVisible = instance ? instance.allow_signup || !instance.has_users : false;
  return (
    <AuthFrame title="Sign in">
      {ssoError && <Notice>{ssoError}</Notice>}
      {instance?.sso?.enabled && (
        <p>
          <a className="button button-primary" href="/sso/login">
            Sign in with single sign-on
          </a>
        </p>
      )}
      <form onSubmit={onPassword} noValidate>
        {signIn.formError && <Notice>{signIn.formError}</Notice>}
        {confirmationRequired && (
          <Notice kind="info">
            {resent ? (
              'If that address has an account, a new confirmation link is on its way.'
            ) : (
              <Button
                variant="link"
                busy={resend.pending}
                onClick={async () => {
                  await resend.run();
                  setResent(true);
                }}
              >
                Send the confirmation email again
              </Button>
            )}
          </Notice>
        )}
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
          error={signIn.fieldError('email')}
          required
          autoFocus
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          error={signIn.fieldError('password')}
          required
        />
        <Button type="submit" variant="primary" busy={signIn.pending}>
          Sign in
        </Button>
      </form>
      <p className="auth-links">
        <Link to="/users/reset_password">Forgot your password?</Link>
        {signUpVisible && (
          <>
            {' · '}
            <Link to="/sign-up">Create an account</Link>
          </>
        )}
      </p>
    </AuthFrame>
  );
}
