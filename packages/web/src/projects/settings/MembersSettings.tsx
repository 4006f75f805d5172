// Members and their roles. Admins add people by email, change roles and remove members; the
// owner's role is changed only by transferring ownership (not offered here).
import { type FormEvent, useState } from 'react';
import { api, errorMessage } from '../../api/client';
import type { Member, ProjectRole } from '../../api/types';
import { useSession } from '../../auth/session';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { useAction, useApi } from '../../components/hooks';
import { EmptyState, ErrorState, Loading, Notice } from '../../components/States';
import { useCurrentProject } from '../current';
import { useCanAdminister } from './SettingsLayout';

const ROLE_OPTIONS = [
  { value: 'viewer', label: 'Viewer — sees workflows and history' },
  { value: 'editor', label: 'Editor — also edits workflows and runs them' },
  { value: 'admin', label: 'Admin — also manages settings and members' },
];

function fullName(member: Member): string {
  return [member.first_name, member.last_name].filter(Boolean).join(' ');
}

export function MembersSettings() {
  const { project, reload } = useCurrentProject();
  const { user } = useSession();
  const canEdit = useCanAdminister();
  const members = useApi<Member[]>(`/api/projects/${project.id}/members`);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('editor');
  const [rowError, setRowError] = useState<string | null>(null);
  const add = useAction(() =>
    api(`/api/projects/${project.id}/members`, { body: { email, role } }).then(() => true),
  );

  async function onAdd(event: FormEvent) {
    event.preventDefault();
    if (await add.run()) {
      setEmail('');
      members.reload();
    }
  }

  // The owner (or a superuser) may hand the project over: the new owner's old role goes away and
  // the previous owner becomes an admin.
  const canTransfer = user?.role === 'superuser' || project.role === 'owner';
  const roleChoices = canTransfer
    ? [...ROLE_OPTIONS, { value: 'owner', label: 'Owner — transfer ownership' }]
    : ROLE_OPTIONS;

  async function changeRole(member: Member, next: string) {
    if (
      next === 'owner' &&
      !window.confirm(
        `Make ${member.email} the owner of ${project.name}? You will become an admin.`,
      )
    ) {
      members.reload();
      return;
    }
    setRowError(null);
    try {
      await api(`/api/projects/${project.id}/members/${member.user_id}`, {
        method: 'PATCH',
        body: { role: next },
      });
      members.reload();
      if (next === 'owner') reload();
    } catch (error) {
      setRowError(errorMessage(error));
    }
  }

  async function removeMember(member: Member) {
    if (!window.confirm(`Remove ${member.email} from ${project.name}?`)) return;
    setRowError(null);
    try {
      await api(`/api/projects/${project.id}/members/${member.user_id}`, { method: 'DELETE' });
      members.reload();
    } catch (error) {
      setRowError(errorMessage(error));
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {rowError && <Notice>{rowError}</Notice>}
        {members.loading && !members.data ? (
          <Loading label="Loading members…" />
        ) : members.error ? (
          <ErrorState error={members.error} onRetry={members.reload} />
        ) : !members.data || members.data.length === 0 ? (
          <EmptyState title="No members yet." />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                {canEdit && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {members.data.map((member) => {
                const editable = canEdit && member.role !== 'owner' && member.user_id !== user?.id;
                return (
                  <tr key={member.user_id}>
                    <td>{fullName(member)}</td>
                    <td>{member.email}</td>
                    <td>
                      {editable ? (
                        <select
                          aria-label={`Role of ${member.email}`}
                          value={member.role}
                          onChange={(event) => changeRole(member, event.target.value)}
                        >
                          {roleChoices.map((option) => (
                            <option key={option.value} value={option.value}>
                              {option.value}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <span className="badge">{member.role}</span>
                      )}
                    </td>
                    {canEdit && (
                      <td>
                        {editable && (
                          <Button
                            variant="link"
                            aria-label={`Remove ${member.email}`}
                            onClick={() => removeMember(member)}
                          >
                            Remove
                          </Button>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {canEdit && (
        <form className="card" onSubmit={onAdd} noValidate aria-label="Add a member">
          <h2>Add a member</h2>
          <p className="muted">They need an account on this instance already.</p>
          {add.formError && <Notice>{add.formError}</Notice>}
          <div className="form-row">
            <TextField
              label="Email"
              type="email"
              value={email}
              onChange={setEmail}
              error={add.fieldError('email')}
              required
            />
            <SelectField
              label="Role"
              value={role}
              onChange={(value) => setRole(value as ProjectRole)}
              options={ROLE_OPTIONS}
              error={add.fieldError('role')}
            />
          </div>
          <Button type="submit" variant="primary" busy={add.pending}>
            Add member
          </Button>
        </form>
      )}
    </>
  );
}
