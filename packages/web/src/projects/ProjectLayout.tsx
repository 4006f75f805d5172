import { Outlet, useParams } from 'react-router';
import type { Project } from '../api/types';
import { useApi } from '../components/hooks';
import { ErrorState, Loading } from '../components/States';
import { CurrentProjectContext } from './current';

/** Loads /api/projects/:projectId for every page inside the project. */
export function ProjectLayout() {
  const { projectId } = useParams();
  const { data, error, loading, reload } = useApi<Project>(
    projectId ? `/api/projects/${encodeURIComponent(projectId)}` : null,
  );
  if (loading && !data) return <Loading label="Loading project…" />;
  if (error || !data) return <ErrorState error={error} onRetry={reload} />;
  return (
    <CurrentProjectContext.Provider value={{ project: data, reload }}>
      <Outlet />
    </CurrentProjectContext.Provider>
  );
}
