// The pages the confirmation emails link to: confirming a new account's address, and confirming a
// change of email address. Each posts its token once when opened.
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, errorMessage } from '../api/client';
import type { Data, User } from '../api/types';
import { Loading, Notice } from '../components/States';
import { AuthFrame } from './AuthFrame';
import { useSession } from './session';

function useConfirmToken(path: string): { state: 'pending' | 'done' | 'failed'; message: string } {
  const { token = '' } = useParams();
  const { refresh } = useSession();
  const [result, setResult] = useState<{ state: 'pending' | 'done' | 'failed'; message: string }>({
    state: 'pending',
    message: '',
  });
  // StrictMode runs effects twice in development; a token is single-use, so post it once.
  const posted = useRef(false);
  useEffect(() => {
    if (posted.current) return;
    posted.current = true;
    api<Data<User> | undefined>(path, { body: { token }, allowUnauthorized: true })
      .then(() => {
        setResult({ state: 'done', message: '' });
        void refresh();
      })
      .catch((error: unknown) => setResult({ state: 'failed', message: errorMessage(error) }));
  }, [path, token, refresh]);
  return result;
}

export function ConfirmAccountPage() {
  const result = useConfirmToken('/api/email_confirmation/confirm');
  return (
    <AuthFrame title="Confirm your account">
      {result.state === 'pending' && <Loading label="Confirming…" />}
      {result.state === 'done' && (
        <Notice kind="success">Your email address is confirmed. Welcome to Lightning!</Notice>
      )}
      {result.state === 'failed' && (
        <Notice>
          This confirmation link is invalid or has expired ({result.message}). Sign in to ask for a
          new one.
        </Notice>
      )}
      <p className="auth-links">
        <Link to="/projects">Continue</Link>
      </p>
    </AuthFrame>
  );
}

export function ConfirmEmailChangePage() {
  const result = useConfirmToken('/api/email_change/confirm');
  return (
    <AuthFrame title="Confirm your new email address">
      {result.state === 'pending' && <Loading label="Confirming…" />}
      {result.state === 'done' && <Notice kind="success">Your email address was changed.</Notice>}
      {result.state === 'failed' && (
        <Notice>
          This link is invalid or has expired ({result.message}). Change your email again from your
          account page.
        </Notice>
      )}
      <p className="auth-links">
        <Link to="/account">Go to your account</Link>
      </p>
    </AuthFrame>
  );
}
