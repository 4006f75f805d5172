// The frame around every signed-in page: a header with the project switcher, the project's
// sections when inside one, and the user's menu; then the page.
import { useEffect, useRef, useState } from 'react';
import {
  Link,
  NavLink,
  Outlet,
  useLocation,
  useMatch,
  useNavigate,
  useNavigation,
} from 'react-router';
import type { Project } from '../api/types';
import { useSession } from '../auth/session';
import { Button } from './Button';
import { useApi } from './hooks';

export function ProjectSwitcher({ currentId }: { currentId: string | undefined }) {
  const navigate = useNavigate();
  const { data: projects, reload } = useApi<Project[]>('/api/projects');
  // A project created (or joined) since the list loaded: load it again once.
  const missing = Boolean(currentId && projects && !projects.some((p) => p.id === currentId));
  const [reloadedFor, setReloadedFor] = useState<string | undefined>();
  useEffect(() => {
    if (missing && reloadedFor !== currentId) {
      setReloadedFor(currentId);
      reload();
    }
  }, [missing, reloadedFor, currentId, reload]);
  // Back on the projects list (e.g. after deleting one): the switcher follows the list.
  const onList = useLocation().pathname === '/projects';
  const wasOnList = useRef(onList);
  useEffect(() => {
    if (onList && !wasOnList.current) reload();
    wasOnList.current = onList;
  }, [onList, reload]);
  return (
    <div className="project-switcher">
      <label htmlFor="project-switcher">Project</label>
      <select
        id="project-switcher"
        value={currentId ?? ''}
        onChange={(event) => {
          const id = event.target.value;
          navigate(id ? `/projects/${id}` : '/projects');
        }}
      >
        <option value="">All projects</option>
        {(projects ?? []).map((project) => (
          <option key={project.id} value={project.id}>
            {project.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The browser tab says which page this is (screen readers announce it on navigation too). */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Lightning`;
  }, [title]);
}

export function AppLayout() {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  // A lazy page's code is on its way: say so instead of leaving the old page looking idle.
  const navigating = useNavigation().state === 'loading';
  const inProject = useMatch('/projects/:projectId/*');
  const projectId = inProject?.params.projectId;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/projects" className="brand">
          <span aria-hidden="true">⚡</span> Lightning
        </Link>
        <ProjectSwitcher currentId={projectId} />
        {projectId && (
          <nav aria-label="Project sections" className="project-nav">
            <NavLink to={`/projects/${projectId}/workflows`}>Workflows</NavLink>
            <NavLink to={`/projects/${projectId}/history`}>History</NavLink>
            <NavLink to={`/projects/${projectId}/settings`}>Settings</NavLink>
          </nav>
        )}
        <nav aria-label="Account" className="user-nav">
          {user?.role === 'superuser' && <NavLink to="/admin">Admin</NavLink>}
          <NavLink to="/account">{user?.email ?? 'Account'}</NavLink>
          <Button
            variant="link"
            onClick={async () => {
              await signOut();
              navigate('/sign-in');
            }}
          >
            Sign out
          </Button>
        </nav>
      </header>
      {navigating && (
        <div className="navigation-progress" role="progressbar" aria-label="Loading page" />
      )}
      <main id="main" className="app-main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

/** A page's title block: heading plus optional actions on the right. */
export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}
