import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { type Data, type Project, roleAtLeast } from '../../api/types';
import { useSession } from '../../auth/session';
import { Button } from '../../components/Button';
import { CheckboxField, TextField } from '../../components/Field';
import { useAction } from '../../components/hooks';
import { Notice } from '../../components/States';
import { useCurrentProject } from '../current';
import { useCanAdminister } from './SettingsLayout';

export function GeneralSettings() {
  const { project, reload } = useCurrentProject();
  const { user } = useSession();
  const canEdit = useCanAdminister();
  const navigate = useNavigate();
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description ?? '');
  const [concurrency, setConcurrency] = useState(
    project.concurrency == null ? '' : String(project.concurrency),
  );
  const [requiresMfa, setRequiresMfa] = useState(project.requires_mfa ?? false);
  const [saved, setSaved] = useState(false);
  const save = useAction(() =>
    api<Data<Project>>(`/api/projects/${project.id}`, {
      method: 'PATCH',
      body: {
        name,
        description: description || null,
        concurrency: concurrency.trim() === '' ? null : Number(concurrency),
        requires_mfa: requiresMfa,
      },
    }),
  );
  const remove = useAction(() =>
    api(`/api/projects/${project.id}`, { method: 'DELETE' }).then(() => true),
  );
  const canDelete = user?.role === 'superuser' || roleAtLeast(project.role, 'owner');

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    if (await save.run()) {
      setSaved(true);
      reload();
    }
  }

  return (
    <>
      <form className="card" onSubmit={onSubmit} noValidate aria-label="Project details">
        <h2>Project details</h2>
        {save.formError && <Notice>{save.formError}</Notice>}
        {saved && <Notice kind="success">Saved.</Notice>}
        <fieldset disabled={!canEdit} className="plain-fieldset">
          <TextField
            label="Name"
            value={name}
            onChange={setName}
            hint="Lower-case letters, digits and hyphens."
            error={save.fieldError('name')}
          />
          <TextField
            label="Description"
            value={description}
            onChange={setDescription}
            error={save.fieldError('description')}
          />
          <TextField
            label="Concurrency limit"
            type="number"
            min={1}
            value={concurrency}
            onChange={setConcurrency}
            hint="Runs of this project at the same time; empty for no limit."
            error={save.fieldError('concurrency')}
          />
          <CheckboxField
            label="Require two-factor authentication for members"
            checked={requiresMfa}
            onChange={setRequiresMfa}
            error={save.fieldError('requires_mfa')}
          />
          {canEdit && (
            <Button type="submit" variant="primary" busy={save.pending}>
              Save
            </Button>
          )}
        </fieldset>
      </form>
      {canDelete && (
        <section className="card" aria-labelledby="danger-zone">
          <h2 id="danger-zone">Delete this project</h2>
          <p className="muted">
            Deleting removes its workflows, history and memberships. This cannot be undone.
          </p>
          {remove.formError && <Notice>{remove.formError}</Notice>}
          <Button
            variant="danger"
            busy={remove.pending}
            onClick={async () => {
              if (!window.confirm(`Delete the project "${project.name}"?`)) return;
              if (await remove.run()) navigate('/projects');
            }}
          >
            Delete project
          </Button>
        </section>
      )}
    </>
  );
}
