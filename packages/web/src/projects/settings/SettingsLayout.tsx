// Project settings: a tab per section. Admins and owners change settings; editors and viewers see
// them read-only (the server enforces the same; the UI says so up front).
import { NavLink, Outlet } from 'react-router';
import { roleAtLeast } from '../../api/types';
import { useSession } from '../../auth/session';
import { PageHeader } from '../../components/Layout';
import { Notice } from '../../components/States';
import { useCurrentProject } from '../current';

const SECTIONS = [
  ['general', 'General'],
  ['members', 'Members'],
  ['webhooks', 'Webhook security'],
  ['data', 'Data retention'],
  ['notifications', 'Notifications'],
  ['credentials', 'Credentials'],
  ['github', 'GitHub'],
  ['audit', 'Audit trail'],
] as const;

/** Whether the signed-in user may change this project's settings (admin, owner or superuser). */
export function useCanAdminister(): boolean {
  const { project } = useCurrentProject();
  const { user } = useSession();
  return user?.role === 'superuser' || roleAtLeast(project.role, 'admin');
}

export function SettingsLayout() {
  const { project } = useCurrentProject();
  const canAdminister = useCanAdminister();
  return (
    <>
      <PageHeader title={`Settings · ${project.name}`} />
      <nav className="tabs" aria-label="Settings sections">
        {SECTIONS.map(([path, label]) => (
          <NavLink key={path} to={path}>
            {label}
          </NavLink>
        ))}
      </nav>
      {!canAdminister && (
        <Notice kind="info">
          You are {project.role === 'editor' ? 'an editor' : `a ${project.role ?? 'guest'}`} in this
          project: settings are read-only for you. Ask a project admin to change them.
        </Notice>
      )}
      <Outlet />
    </>
  );
}
