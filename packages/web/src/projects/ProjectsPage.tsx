// The projects the user belongs to (every project for a superuser), and a form to create one.
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client';
import type { Data, Project } from '../api/types';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { useAction, useApi } from '../components/hooks';
import { PageHeader } from '../components/Layout';
import { EmptyState, ErrorState, Loading, Notice } from '../components/States';

export function ProjectsPage() {
  const { data: projects, error, loading, reload } = useApi<Project[]>('/api/projects');
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader title="Projects">
        {!creating && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New project
          </Button>
        )}
      </PageHeader>
      {creating && <CreateProjectForm onCancel={() => setCreating(false)} />}
      {loading && !projects ? (
        <Loading label="Loading projects…" />
      ) : error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : projects && projects.length > 0 ? (
        <ul className="project-list" aria-label="Projects">
          {projects.map((project) => (
            <li key={project.id}>
              <Link to={`/projects/${project.id}`}>
                <strong>{project.name}</strong>
                <br />
                <span className="muted">{project.description || 'No description'}</span>
                <br />
                <span className="badge">{project.role ?? 'superuser'}</span>
              </Link>
            </li>
          ))}
        </ul>
      ) : (
        !creating && (
          <EmptyState title="You have no projects yet.">
            <p>Create one to start building workflows, or ask an administrator to add you.</p>
          </EmptyState>
        )
      )}
    </>
  );
}

function CreateProjectForm({ onCancel }: { onCancel: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction(() =>
    api<Data<Project>>('/api/projects', {
      body: { name, description: description || undefined },
    }),
  );
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const answer = await create.run();
    if (answer) navigate(`/projects/${answer.data.id}`);
  }
  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label="New project">
      <h2>New project</h2>
      {create.formError && <Notice>{create.formError}</Notice>}
      <TextField
        label="Name"
        name="name"
        hint="Lower-case letters, digits and hyphens, e.g. patient-sync."
        value={name}
        onChange={(value) => setName(value)}
        error={create.fieldError('name')}
        required
        autoFocus
      />
      <TextField
        label="Description"
        name="description"
        value={description}
        onChange={setDescription}
        error={create.fieldError('description')}
      />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.pending}>
          Create project
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
