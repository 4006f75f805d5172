// Credentials available to this project, and a form to create one: pick a schema, fill the form
// rendered from its JSON Schema. Secret values are never shown back (the API masks them).
import { type FormEvent, useMemo, useState } from 'react';
import { ApiError, api, errorMessage } from '../../api/client';
import {
  type CredentialSchema,
  type Data,
  type ProjectCredential,
  roleAtLeast,
} from '../../api/types';
import { useSession } from '../../auth/session';
import { Button } from '../../components/Button';
import { CheckboxField, SelectField, TextField } from '../../components/Field';
import { useAction, useApi } from '../../components/hooks';
import { coerceToSchema, SchemaForm, type SchemaValue } from '../../components/SchemaForm';
import { EmptyState, ErrorState, Loading, Notice } from '../../components/States';
import { useCurrentProject } from '../current';

export function CredentialsSettings() {
  const { project } = useCurrentProject();
  const { user } = useSession();
  const canCreate = user?.role === 'superuser' || roleAtLeast(project.role, 'editor');
  const credentials = useApi<ProjectCredential[]>(`/api/projects/${project.id}/credentials`);
  const [creating, setCreating] = useState(false);
  const [rowError, setRowError] = useState<string | null>(null);

  // Deleting a credential that jobs still use is refused (409) unless forced, which detaches it
  // from those jobs: ask before forcing.
  async function remove(credential: ProjectCredential) {
    if (!window.confirm(`Delete the credential "${credential.name}"? This cannot be undone.`))
      return;
    setRowError(null);
    const path = `/api/credentials/${credential.credential_id}`;
    try {
      await api(path, { method: 'DELETE' });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) {
        setRowError(errorMessage(error));
        return;
      }
      if (!window.confirm(`${error.message}\n\nDelete it anyway and detach it from those jobs?`)) {
        return;
      }
      try {
        await api(`${path}?force=true`, { method: 'DELETE' });
      } catch (forced) {
        setRowError(errorMessage(forced));
        return;
      }
    }
    credentials.reload();
  }

  return (
    <>
      <section className="card" aria-labelledby="credentials-heading">
        <div className="page-header">
          <h2 id="credentials-heading">Credentials</h2>
          {canCreate && !creating && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              New credential
            </Button>
          )}
        </div>
        {rowError && <Notice>{rowError}</Notice>}
        {credentials.loading && !credentials.data ? (
          <Loading />
        ) : credentials.error ? (
          <ErrorState error={credentials.error} onRetry={credentials.reload} />
        ) : !credentials.data || credentials.data.length === 0 ? (
          <EmptyState title="No credentials are shared with this project yet." />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Owner</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {credentials.data.map((credential) => (
                <tr key={credential.project_credential_id}>
                  <td>{credential.name}</td>
                  <td>{credential.schema}</td>
                  <td>{credential.owner_email}</td>
                  <td>
                    {credential.owner_email === user?.email && (
                      <Button
                        variant="link"
                        aria-label={`Delete ${credential.name}`}
                        onClick={() => remove(credential)}
                      >
                        Delete
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {creating && (
        <NewCredentialForm
          projectId={project.id}
          onDone={() => {
            setCreating(false);
            credentials.reload();
          }}
        />
      )}
    </>
  );
}

function NewCredentialForm({ projectId, onDone }: { projectId: string; onDone: () => void }) {
  const schemas = useApi<CredentialSchema[]>('/api/credential_schemas');
  const [name, setName] = useState('');
  const [schemaName, setSchemaName] = useState('');
  const [body, setBody] = useState<SchemaValue>({});
  const [rawText, setRawText] = useState('{\n  \n}');
  const [production, setProduction] = useState(false);
  const [rawError, setRawError] = useState<string | undefined>();
  const selected = useMemo(
    () => schemas.data?.find((schema) => schema.name === schemaName) ?? schemas.data?.[0],
    [schemas.data, schemaName],
  );
  const create = useAction((payload: unknown) =>
    api<Data<unknown>>('/api/credentials', { body: payload }).then(() => true),
  );

  if (schemas.loading && !schemas.data) return <Loading label="Loading credential types…" />;
  if (schemas.error || !selected) {
    return <ErrorState error={schemas.error} onRetry={schemas.reload} />;
  }
  const schema = selected;
  const hasProperties = Object.keys(schema.schema.properties ?? {}).length > 0;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setRawError(undefined);
    let payloadBody: unknown;
    if (hasProperties) {
      payloadBody = coerceToSchema(schema.schema, body);
    } else {
      try {
        payloadBody = JSON.parse(rawText);
      } catch {
        setRawError('is not valid JSON');
        return;
      }
    }
    const ok = await create.run({
      name,
      schema: schema.name,
      body: payloadBody,
      project_ids: [projectId],
      production,
    });
    if (ok) onDone();
  }

  const errorFor = (property: string) =>
    property === 'body'
      ? (rawError ?? create.fieldError('body'))
      : (create.fieldError(`body.${property}`) ?? create.fieldError(property));

  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label="New credential">
      <h2>New credential</h2>
      {create.formError && <Notice>{create.formError}</Notice>}
      <div className="form-row">
        <TextField
          label="Name"
          value={name}
          onChange={setName}
          error={create.fieldError('name')}
          required
        />
        <SelectField
          label="Type"
          value={schema.name}
          onChange={(next) => {
            setSchemaName(next);
            setBody({});
          }}
          options={(schemas.data ?? []).map((option) => ({
            value: option.name,
            label: option.schema.title ?? option.name,
          }))}
          error={create.fieldError('schema')}
        />
      </div>
      <SchemaForm
        schema={schema.schema}
        value={body}
        onChange={setBody}
        errorFor={errorFor}
        rawText={rawText}
        onRawTextChange={setRawText}
      />
      <CheckboxField
        label="Production credential"
        hint="Marks credentials that reach production systems."
        checked={production}
        onChange={setProduction}
      />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.pending}>
          Create credential
        </Button>
        <Button onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}
