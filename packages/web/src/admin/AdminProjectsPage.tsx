import { Link } from 'react-router';
import type { Project } from '../api/types';
import { useApi } from '../components/hooks';
import { EmptyState, ErrorState, Loading } from '../components/States';

/** Every project of the instance (a superuser's project list is all of them). */
export function AdminProjectsPage() {
  const projects = useApi<Project[]>('/api/projects');
  if (projects.loading && !projects.data) return <Loading label="Loading projects…" />;
  if (projects.error) return <ErrorState error={projects.error} onRetry={projects.reload} />;
  if (!projects.data || projects.data.length === 0) {
    return <EmptyState title="There are no projects on this instance yet." />;
  }
  return (
    <section className="card" aria-labelledby="projects-heading">
      <h2 id="projects-heading">Projects</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col">Your role</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {projects.data.map((project) => (
            <tr key={project.id}>
              <td>
                <Link to={`/projects/${project.id}/settings`}>{project.name}</Link>
              </td>
              <td>{project.description}</td>
              <td>{project.role ?? '—'}</td>
              <td>{new Date(project.inserted_at).toLocaleDateString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
