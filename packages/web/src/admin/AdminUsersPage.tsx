// Every user of the instance: disable/enable accounts and grant or revoke superuser.
import { useState } from 'react';
import { api, errorMessage } from '../api/client';
import type { AdminUser } from '../api/types';
import { useSession } from '../auth/session';
import { Button } from '../components/Button';
import { useApi } from '../components/hooks';
import { EmptyState, ErrorState, Loading, Notice } from '../components/States';

export function AdminUsersPage() {
  const { user: me } = useSession();
  const users = useApi<AdminUser[]>('/api/admin/users');
  const [rowError, setRowError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  async function update(user: AdminUser, change: { disabled?: boolean; role?: string }) {
    setRowError(null);
    setBusyId(user.id);
    try {
      await api(`/api/admin/users/${user.id}`, { method: 'PATCH', body: change });
      users.reload();
    } catch (error) {
      setRowError(errorMessage(error));
    } finally {
      setBusyId(null);
    }
  }

  if (users.loading && !users.data) return <Loading label="Loading users…" />;
  if (users.error) return <ErrorState error={users.error} onRetry={users.reload} />;
  if (!users.data || users.data.length === 0) return <EmptyState title="No users." />;
  return (
    <section className="card" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      {rowError && <Notice>{rowError}</Notice>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Projects</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.data.map((user) => {
            const self = user.id === me?.id;
            return (
              <tr key={user.id}>
                <td>{[user.first_name, user.last_name].filter(Boolean).join(' ')}</td>
                <td>{user.email}</td>
                <td>
                  <span className="badge">{user.role}</span>
                </td>
                <td>{user.project_count}</td>
                <td>
                  {user.disabled ? 'Disabled' : user.confirmed ? 'Active' : 'Not confirmed'}
                  {user.mfa_enabled ? ' · 2FA' : ''}
                </td>
                <td>
                  {!self && (
                    <div className="form-actions">
                      <Button
                        variant="link"
                        busy={busyId === user.id}
                        aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}
                        onClick={() => update(user, { disabled: !user.disabled })}
                      >
                        {user.disabled ? 'Enable' : 'Disable'}
                      </Button>
                      <Button
                        variant="link"
                        busy={busyId === user.id}
                        aria-label={`${user.role === 'superuser' ? 'Revoke superuser from' : 'Make superuser'} ${user.email}`}
                        onClick={() =>
                          update(user, { role: user.role === 'superuser' ? 'user' : 'superuser' })
                        }
                      >
                        {user.role === 'superuser' ? 'Revoke superuser' : 'Make superuser'}
                      </Button>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
