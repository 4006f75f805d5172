// The signed-in member's own failure alerts for this project: any member may opt in or out.
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { Member } from '../../api/types';
import { useSession } from '../../auth/session';
import { Button } from '../../components/Button';
import { CheckboxField, SelectField } from '../../components/Field';
import { useAction, useApi } from '../../components/hooks';
import { ErrorState, Loading, Notice } from '../../components/States';
import { useCurrentProject } from '../current';

const DIGESTS = [
  { value: 'never', label: 'Never' },
  { value: 'daily', label: 'Daily' },
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
];

export function NotificationSettings() {
  const { project } = useCurrentProject();
  const { user } = useSession();
  const members = useApi<Member[]>(`/api/projects/${project.id}/members`);
  const me = members.data?.find((member) => member.user_id === user?.id);
  const [failureAlert, setFailureAlert] = useState(false);
  const [digest, setDigest] = useState('never');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (me) {
      setFailureAlert(me.failure_alert);
      setDigest(me.digest ?? 'never');
    }
  }, [me]);
  const save = useAction(() =>
    api(`/api/projects/${project.id}/members/me`, {
      method: 'PATCH',
      body: { failure_alert: failureAlert, digest },
    }).then(() => true),
  );

  if (members.loading && !members.data) return <Loading />;
  if (members.error) return <ErrorState error={members.error} onRetry={members.reload} />;
  if (!me) {
    return (
      <Notice kind="info">
        You are not a member of this project, so there are no alerts to set up for you here.
      </Notice>
    );
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    if (await save.run()) setSaved(true);
  }

  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label="Your notifications">
      <h2>Your notifications</h2>
      {save.formError && <Notice>{save.formError}</Notice>}
      {saved && <Notice kind="success">Saved.</Notice>}
      <CheckboxField
        label="Email me when a run of this project fails"
        hint="Alerts for one workflow are grouped, so a failing workflow does not flood your inbox."
        checked={failureAlert}
        onChange={setFailureAlert}
        error={save.fieldError('failure_alert')}
      />
      <SelectField
        label="Digest of this project's activity"
        value={digest}
        onChange={setDigest}
        options={DIGESTS}
        error={save.fieldError('digest')}
      />
      <Button type="submit" variant="primary" busy={save.pending}>
        Save
      </Button>
    </form>
  );
}
