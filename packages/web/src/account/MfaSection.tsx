// Two-factor authentication: enrol (scan the QR code, confirm a code, keep the backup codes),
// regenerate backup codes, or turn it off. Backup codes are shown once.
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { Data, User } from '../api/types';
import { useSession } from '../auth/session';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useAction } from '../components/hooks';
import { Notice } from '../components/States';

interface Setup {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

export function MfaSection({ user }: { user: User }) {
  const { refresh } = useSession();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState('');
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const [mode, setMode] = useState<'idle' | 'disable' | 'regenerate'>('idle');
  const start = useAction(() => api<Data<Setup>>('/api/me/mfa/setup', { method: 'POST' }));
  const enable = useAction(() =>
    api<Data<{ backup_codes: string[] }>>('/api/me/mfa/enable', { body: { code: code.trim() } }),
  );
  const disable = useAction(() =>
    api('/api/me/mfa', { method: 'DELETE', body: { code: code.trim() } }).then(() => true),
  );
  const regenerate = useAction(() =>
    api<Data<{ backup_codes: string[] }>>('/api/me/mfa/backup_codes', {
      body: { code: code.trim() },
    }),
  );

  async function onEnable(event: FormEvent) {
    event.preventDefault();
    const answer = await enable.run();
    if (!answer) return;
    setBackupCodes(answer.data.backup_codes);
    setSetup(null);
    setCode('');
    await refresh();
  }

  async function onConfirmCode(event: FormEvent) {
    event.preventDefault();
    if (mode === 'disable') {
      if (await disable.run()) {
        setMode('idle');
        setCode('');
        await refresh();
      }
    } else {
      const answer = await regenerate.run();
      if (answer) {
        setBackupCodes(answer.data.backup_codes);
        setMode('idle');
        setCode('');
      }
    }
  }

  const action = mode === 'disable' ? disable : regenerate;
  return (
    <section className="card" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-factor authentication</h2>
      {backupCodes && (
        <Notice kind="success">
          <p>
            Keep these backup codes somewhere safe: each signs you in once if you lose your
            authenticator. They will not be shown again.
          </p>
          <ul className="code-list" aria-label="Backup codes">
            {backupCodes.map((backup) => (
              <li key={backup}>{backup}</li>
            ))}
          </ul>
        </Notice>
      )}
      {user.mfa_enabled ? (
        <>
          <p>
            <span className="badge">On</span> Signing in asks for a code from your authenticator
            app.
          </p>
          {mode === 'idle' ? (
            <div className="form-actions">
              <Button onClick={() => setMode('regenerate')}>New backup codes</Button>
              <Button variant="danger" onClick={() => setMode('disable')}>
                Turn off
              </Button>
            </div>
          ) : (
            <form onSubmit={onConfirmCode} noValidate aria-label="Confirm with a code">
              {action.formError && <Notice>{action.formError}</Notice>}
              <TextField
                label="Code from your authenticator app"
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                onChange={setCode}
                error={action.fieldError('code')}
                required
                autoFocus
              />
              <div className="form-actions">
                <Button
                  type="submit"
                  variant={mode === 'disable' ? 'danger' : 'primary'}
                  busy={action.pending}
                >
                  {mode === 'disable' ? 'Turn off two-factor authentication' : 'Make new codes'}
                </Button>
                <Button onClick={() => setMode('idle')}>Cancel</Button>
              </div>
            </form>
          )}
        </>
      ) : setup ? (
        <form onSubmit={onEnable} noValidate aria-label="Set up two-factor authentication">
          <p>
            Scan this code with an authenticator app (or enter the key by hand), then type the code
            it shows.
          </p>
          {/* The QR code is an SVG the server drew from the otpauth URI; it contains no script. */}
          <div
            className="qr"
            role="img"
            aria-label="QR code for your authenticator app"
            // biome-ignore lint/security/noDangerouslySetInnerHtml: server-generated QR SVG
            dangerouslySetInnerHTML={{ __html: setup.qr_svg }}
          />
          <p>
            Key: <code className="secret">{setup.secret}</code>
          </p>
          {enable.formError && <Notice>{enable.formError}</Notice>}
          <TextField
            label="Code from your authenticator app"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={setCode}
            error={enable.fieldError('code')}
            required
          />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={enable.pending}>
              Turn on
            </Button>
            <Button onClick={() => setSetup(null)}>Cancel</Button>
          </div>
        </form>
      ) : (
        <>
          <p className="muted">
            Off. Add a second step to signing in with an authenticator app (TOTP).
          </p>
          {start.formError && <Notice>{start.formError}</Notice>}
          <Button
            variant="primary"
            busy={start.pending}
            onClick={async () => {
              const answer = await start.run();
              if (answer) setSetup(answer.data);
            }}
          >
            Set up two-factor authentication
          </Button>
        </>
      )}
    </section>
  );
}
