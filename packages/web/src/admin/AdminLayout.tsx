import { NavLink, Outlet } from 'react-router';
import { useSession } from '../auth/session';
import { PageHeader } from '../components/Layout';

/** Instance administration (superusers): a tab per area; the mailbox only with MAIL_PROVIDER=local. */
export function AdminLayout() {
  const { instance } = useSession();
  return (
    <>
      <PageHeader title="Instance administration" />
      <nav className="tabs" aria-label="Administration sections">
        <NavLink to="/admin/users">Users</NavLink>
        <NavLink to="/admin/projects">Projects</NavLink>
        <NavLink to="/admin/audit">Audit trail</NavLink>
        {instance?.mail_provider === 'local' && <NavLink to="/admin/mailbox">Mailbox</NavLink>}
      </nav>
      <Outlet />
    </>
  );
}
