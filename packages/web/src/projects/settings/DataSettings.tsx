// History and dataclip retention: how long work orders are kept, how long their input/output data
// is kept (never longer than the history), and whether input/output data is kept at all.
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import type { Data, Project } from '../../api/types';
import { Button } from '../../components/Button';
import { SelectField } from '../../components/Field';
import { useAction } from '../../components/hooks';
import { Notice } from '../../components/States';
import { useCurrentProject } from '../current';
import { useCanAdminister } from './SettingsLayout';

const PERIODS = [7, 14, 30, 90, 180, 365];
const periodOptions = [
  { value: '', label: 'Keep forever' },
  ...PERIODS.map((days) => ({ value: String(days), label: `${days} days` })),
];

const POLICIES = [
  { value: 'retain_all', label: 'Keep input and output data of every run' },
  { value: 'retain_with_errors', label: 'Keep input and output data only of failed runs' },
  { value: 'erase_all', label: 'Never keep input and output data (zero persistence)' },
];

function toField(days: number | null | undefined): string {
  return days == null ? '' : String(days);
}

function fromField(value: string): number | null {
  return value === '' ? null : Number(value);
}

export function DataSettings() {
  const { project, reload } = useCurrentProject();
  const canEdit = useCanAdminister();
  const [policy, setPolicy] = useState(project.retention_policy ?? 'retain_all');
  const [history, setHistory] = useState(toField(project.history_retention_period));
  const [dataclips, setDataclips] = useState(toField(project.dataclip_retention_period));
  const [saved, setSaved] = useState(false);
  const save = useAction(() =>
    api<Data<Project>>(`/api/projects/${project.id}`, {
      method: 'PATCH',
      body: {
        retention_policy: policy,
        history_retention_period: fromField(history),
        dataclip_retention_period: fromField(dataclips),
      },
    }),
  );

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    if (await save.run()) {
      setSaved(true);
      reload();
    }
  }

  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label="Data retention">
      <h2>Data retention</h2>
      {save.formError && <Notice>{save.formError}</Notice>}
      {saved && <Notice kind="success">Saved.</Notice>}
      <fieldset disabled={!canEdit} className="plain-fieldset">
        <SelectField
          label="Input and output data"
          value={policy}
          onChange={setPolicy}
          options={POLICIES}
          error={save.fieldError('retention_policy')}
        />
        <SelectField
          label="History retention"
          hint="Work orders older than this are deleted with their runs and logs."
          value={history}
          onChange={setHistory}
          options={periodOptions}
          error={save.fieldError('history_retention_period')}
        />
        <SelectField
          label="Input/output data retention"
          hint="Dataclip bodies older than this are wiped; at most the history retention."
          value={dataclips}
          onChange={setDataclips}
          options={periodOptions}
          error={save.fieldError('dataclip_retention_period')}
        />
        {canEdit && (
          <Button type="submit" variant="primary" busy={save.pending}>
            Save
          </Button>
        )}
      </fieldset>
    </form>
  );
}
