// Route access of the accounts context: sign-up/sign-in and the emailed-link flows are public (their
// own checks are the token or the password), the caller's own profile, password, email and MFA need
// a signed-in user. None of them is project-scoped.
import type { RouteAccessFile } from './types.js';

const fresh = () => Math.random().toString(36).slice(2, 10);

const accounts: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/instance', access: 'public' },
    {
      method: 'POST',
      url: '/api/users/register',
      access: 'public',
      // A weak password: the route answers 422 and creates nobody.
      request: () => ({
        url: '/api/users/register',
        payload: { first_name: 'M', email: `m-${fresh()}@example.com`, password: 'short' },
      }),
    },
    {
      method: 'POST',
      url: '/api/session',
      access: 'public',
      // A malformed email: 422 (a wrong password would be a 401, which the matrix reads as denied).
      request: () => ({ url: '/api/session', payload: { email: 'not-an-email', password: 'x' } }),
    },
    {
      method: 'POST',
      url: '/api/session/mfa',
      access: 'public',
      skip: 'answers 401 to every caller without a pending MFA cookie (the password step); tested in accounts/mfa.test.ts',
    },
    { method: 'DELETE', url: '/api/session', access: 'public' },
    {
      method: 'DELETE',
      url: '/api/sessions',
      access: 'authenticated',
      // Ends only cookie sessions: the callers' API tokens (what the matrix uses) keep working.
    },
    {
      method: 'POST',
      url: '/api/email_confirmation/confirm',
      access: 'public',
      request: () => ({ url: '/api/email_confirmation/confirm', payload: { token: 'unknown' } }),
    },
    {
      method: 'POST',
      url: '/api/email_confirmation/resend',
      access: 'public',
      request: () => ({
        url: '/api/email_confirmation/resend',
        payload: { email: `nobody-${fresh()}@example.com` },
      }),
    },
    {
      method: 'POST',
      url: '/api/password_reset',
      access: 'public',
      request: () => ({
        url: '/api/password_reset',
        payload: { email: `nobody-${fresh()}@example.com` },
      }),
    },
    {
      method: 'POST',
      url: '/api/password_reset/confirm',
      access: 'public',
      request: () => ({
        url: '/api/password_reset/confirm',
        payload: { token: 'unknown', password: 'violet-Kettle-38-drums' },
      }),
    },
    {
      method: 'POST',
      url: '/api/email_change/confirm',
      access: 'public',
      request: () => ({ url: '/api/email_change/confirm', payload: { token: 'unknown' } }),
    },
    { method: 'GET', url: '/api/me', access: 'authenticated' },
    {
      method: 'PATCH',
      url: '/api/me',
      access: 'authenticated',
      request: () => ({ url: '/api/me', payload: {} }),
    },
    {
      method: 'POST',
      url: '/api/me/password',
      access: 'authenticated',
      // Test users have no password: 422 "current_password is not valid", nothing changes.
      request: () => ({
        url: '/api/me/password',
        payload: { current_password: 'wrong-Password-1', password: 'violet-Kettle-38-drums' },
      }),
    },
    {
      method: 'POST',
      url: '/api/me/email',
      access: 'authenticated',
      request: () => ({
        url: '/api/me/email',
        payload: { email: `new-${fresh()}@example.com`, current_password: 'wrong-Password-1' },
      }),
    },
    { method: 'POST', url: '/api/me/mfa/setup', access: 'authenticated' },
    {
      method: 'POST',
      url: '/api/me/mfa/enable',
      access: 'authenticated',
      request: () => ({ url: '/api/me/mfa/enable', payload: { code: '000000' } }),
    },
    {
      method: 'DELETE',
      url: '/api/me/mfa',
      access: 'authenticated',
      request: () => ({ url: '/api/me/mfa', payload: { code: '000000' } }),
    },
    {
      method: 'POST',
      url: '/api/me/mfa/backup_codes',
      access: 'authenticated',
      request: () => ({ url: '/api/me/mfa/backup_codes', payload: { code: '000000' } }),
    },
  ],
};
export default accounts;
