// Sign up. Hidden when the instance disallows it — except on a fresh instance, whose first user
// becomes its superuser.
import { type FormEvent, useEffect, useState } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { api } from '../api/client';
import type { Data, User } from '../api/types';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useAction } from '../components/hooks';
import { Loading, Notice } from '../components/States';
import { AuthFrame } from './AuthFrame';
import { PasswordRules } from './PasswordRules';
import { useSession } from './session';

interface RegisterAnswer extends Data<{ user: User }> {
  confirmation_required: boolean;
}

export function SignUpPage() {
  const { user, instance, setUser, refreshInstance } = useSession();
  // Whether sign-up is open (or this is the first user) may have changed since the app loaded.
  useEffect(() => {
    void refreshInstance();
  }, [refreshInstance]);
  const navigate = useNavigate();
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [checkEmail, setCheckEmail] = useState(false);
  const register = useAction(() =>
    api<RegisterAnswer>('/api/users/register', {
      body: { first_name: firstName, last_name: lastName || undefined, email, password },
      allowUnauthorized: true,
    }),
  );

  if (user) return <Navigate to="/projects" replace />;
  if (instance === null && user === undefined) return <Loading />;
  const firstUser = instance ? !instance.has_users : false;
  const allowed = instance ? instance.allow_signup || firstUser : true;

  const formError = register.formErrorBesides(['first_name', 'last_name', 'email', 'password']);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const answer = await register.run();
    if (!answer) return;
    if (answer.confirmation_required) {
      void refreshInstance();
      setCheckEmail(true);
      return;
    }
    // The instance has a user now: the sign-in page must know it after a sign-out.
    void refreshInstance();
    setUser(answer.data.user);
    navigate('/projects', { replace: true });
  }

  if (checkEmail) {
    return (
      <AuthFrame title="Check your email">
        <p>
          We sent a confirmation link to <strong>{email}</strong>. Follow it to finish creating your
          account.
        </p>
        <p className="auth-links">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </AuthFrame>
    );
  }

  if (!allowed) {
    return (
      <AuthFrame title="Sign-up is closed">
        <p>This instance does not accept new accounts. Ask an administrator to invite you.</p>
        <p className="auth-links">
          <Link to="/sign-in">Sign in</Link>
        </p>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame title={firstUser ? 'Create the first account' : 'Create an account'}>
      {firstUser && (
        <Notice kind="info">
          This is a new instance: the first account becomes its administrator (superuser).
        </Notice>
      )}
      <form onSubmit={onSubmit} noValidate>
        {formError && <Notice>{formError}</Notice>}
        <TextField
          label="First name"
          name="first_name"
          autoComplete="given-name"
          value={firstName}
          onChange={setFirstName}
          error={register.fieldError('first_name')}
          required
          autoFocus
        />
        <TextField
          label="Last name"
          name="last_name"
          autoComplete="family-name"
          value={lastName}
          onChange={setLastName}
          error={register.fieldError('last_name')}
        />
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={setEmail}
          error={register.fieldError('email')}
          required
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          hint={<PasswordRules />}
          value={password}
          onChange={setPassword}
          error={register.fieldError('password')}
          required
        />
        <Button type="submit" variant="primary" busy={register.pending}>
          Create account
        </Button>
      </form>
      <p className="auth-links">
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </AuthFrame>
  );
}
