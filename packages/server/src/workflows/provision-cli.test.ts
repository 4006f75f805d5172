// `/api/provision` driven with the documents OpenFn's CLI produces, written from OpenFn's lexicon
// (`Provisioner.Project_v1`: items keyed by name) and the CLI's documented behaviour (the legacy
// `deploy` posts to `/api/provision/` a payload of arrays merged with the previous `.state.json`,
// so read-only fields such as a workflow's `project_id` come along). Every shape round-trips:
// provision → GET → provision again changes nothing (no new snapshot, same answer, same export).
import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  user = await createTestUser(server.testDatabase.db);
});
afterAll(async () => {
  await server?.close();
});

async function call(method: string, path: string, body?: unknown, type = 'application/json') {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: body === undefined ? user.headers : { ...user.headers, 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return { status: response.status, body: json ? JSON.parse(text) : text };
}

const snapshotCount = async (projectId: string) => {
  const db = server.testDatabase.db;
  const [row] = await db
    .select({ n: count() })
    .from(schema.workflowSnapshots)
    .innerJoin(schema.workflows, eq(schema.workflows.id, schema.workflowSnapshots.workflowId))
    .where(eq(schema.workflows.projectId, projectId));
  return row?.n ?? 0;
};

/** A project state as `Provisioner.Project_v1` (a `.state.json`): every list keyed by name. */
function projectState() {
  const ids = {
    project: randomUUID(),
    workflow: randomUUID(),
    webhook: randomUUID(),
    fetch: randomUUID(),
    store: randomUUID(),
    toFetch: randomUUID(),
    toStore: randomUUID(),
  };
  const state = {
    id: ids.project,
    name: 'cli-project',
    description: null,
    project_credentials: {},
    workflows: {
      'Sample-Workflow': {
        id: ids.workflow,
        name: 'Sample Workflow',
        jobs: {
          'Fetch-Patients': {
            id: ids.fetch,
            name: 'Fetch Patients',
            adaptor: '@openfn/language-http@6.5.1',
            body: 'get("/patients")',
            project_credential_id: null,
          },
          store: {
            id: ids.store,
            name: 'store',
            adaptor: '@openfn/language-common@latest',
            body: 'fn(s => s)',
            project_credential_id: null,
          },
        },
        triggers: {
          webhook: { id: ids.webhook, type: 'webhook', enabled: true },
        },
        edges: {
          'webhook->Fetch-Patients': {
            id: ids.toFetch,
            source_trigger_id: ids.webhook,
            source_job_id: null,
            target_job_id: ids.fetch,
            condition_type: 'always',
            condition_expression: null,
            condition_label: null,
            enabled: true,
          },
          'Fetch-Patients->store': {
            id: ids.toStore,
            source_job_id: ids.fetch,
            source_trigger_id: null,
            target_job_id: ids.store,
            condition_type: 'on_job_success',
            condition_expression: null,
            condition_label: null,
            enabled: true,
          },
        },
      },
    },
  };
  return { ids, state };
}

/** The legacy CLI's payload: the state's lists as arrays, merged with what the last pull held. */
function legacyPayload(state: ReturnType<typeof projectState>['state'], pulled: PulledDocument) {
  return {
    ...state,
    project_credentials: [],
    workflows: Object.values(state.workflows).map((workflow) => {
      const previous = pulled.workflows.find((item) => item.id === workflow.id);
      return {
        ...workflow,
        project_id: pulled.id,
        inserted_at: previous?.inserted_at,
        updated_at: previous?.updated_at,
        lock_version: previous?.lock_version,
        jobs: Object.values(workflow.jobs),
        triggers: Object.values(workflow.triggers),
        edges: Object.values(workflow.edges),
      };
    }),
  };
}

interface PulledDocument {
  id: string;
  workflows: { id: string; inserted_at: string; updated_at: string; lock_version: number }[];
}

describe("provisioning with OpenFn CLI's documents", () => {
  it('accepts a keyed project state at /api/provision/ and answers in arrays', async () => {
    const { state, ids } = projectState();
    const posted = await call('POST', '/api/provision/', state);
    expect(posted.status).toBe(201);
    const [workflow] = posted.body.data.workflows;
    expect(workflow).toMatchObject({ id: ids.workflow, name: 'Sample Workflow', lock_version: 1 });
    expect(workflow.jobs.map((job: { name: string }) => job.name)).toEqual([
      'Fetch Patients',
      'store',
    ]);
    expect(workflow.jobs[0]).toMatchObject({
      project_credential_id: null,
      keychain_credential_id: null,
    });
    expect(workflow.edges[1]).toMatchObject({
      condition_expression: null,
      source_trigger_id: null,
    });
    expect(posted.body.data.description).toBeNull();

    // The same state again, and the answer sent back: nothing new.
    const snapshots = await snapshotCount(ids.project);
    expect((await call('POST', '/api/provision/', state)).body.data).toEqual(posted.body.data);
    const read = await call('GET', `/api/provision/${ids.project}/`);
    expect(read.body.data).toEqual(posted.body.data);
    expect((await call('POST', '/api/provision', read.body.data)).body.data).toEqual(
      read.body.data,
    );
    expect(await snapshotCount(ids.project)).toBe(snapshots);
  });

  it('accepts the legacy payload merged with the pulled state (project_id, timestamps, lock_version)', async () => {
    const { state, ids } = projectState();
    const first = await call('POST', '/api/provision', state);
    const payload = legacyPayload(state, first.body.data);
    const snapshots = await snapshotCount(ids.project);
    const again = await call('POST', '/api/provision/', payload);
    expect(again.status).toBe(201);
    expect(again.body.data).toEqual(first.body.data);
    expect(await snapshotCount(ids.project)).toBe(snapshots);

    // A change made in the spec then deployed: one new version.
    const changed = structuredClone(payload);
    changed.workflows[0]!.jobs[1]!.body = 'fn(s => ({ ...s, stored: true }))';
    const deployed = await call('POST', '/api/provision/', changed);
    expect(deployed.status).toBe(201);
    expect(deployed.body.data.workflows[0].lock_version).toBe(2);
    expect(await snapshotCount(ids.project)).toBe(snapshots + 1);

    // The lock_version of an older pull is stale.
    expect(
      (
        await call('POST', '/api/provision/', {
          ...changed,
          workflows: [{ ...changed.workflows[0], name: 'x' }],
        })
      ).status,
    ).toBe(409);
  });

  it('accepts the keyed state as YAML, with keyed collections and credentials', async () => {
    const { state, ids } = projectState();
    const yaml = toYaml({ ...state, collections: {}, project_credentials: {} });
    const posted = await call('POST', '/api/provision/', yaml, 'application/yaml');
    expect(posted.status).toBe(201);
    expect(posted.body.data).toMatchObject({ collections: [], project_credentials: [] });
    const collectionId = randomUUID();
    const withCollection = await call('POST', '/api/provision', {
      ...state,
      collections: { patients: { id: collectionId, name: 'patients' } },
    });
    expect(withCollection.status).toBe(201);
    expect(withCollection.body.data.collections).toEqual([{ id: collectionId, name: 'patients' }]);
    expect((await call('GET', `/api/provision/${ids.project}`)).body.data).toEqual(
      withCollection.body.data,
    );
  });

  it('names the errors of a keyed document by its keys', async () => {
    const { state } = projectState();
    // biome-ignore lint/suspicious/noExplicitAny: a deep edit of a test document
    const broken = structuredClone(state) as Record<string, any>;
    broken.workflows['Sample-Workflow'].jobs.store.adaptor = 'common';
    broken.workflows['Sample-Workflow'].edges['Fetch-Patients->store'].condition_type = 'sometimes';
    const malformed = await call('POST', '/api/provision', broken);
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.errors)).toEqual([
      'workflows.Sample-Workflow.edges.Fetch-Patients->store.condition_type',
    ]);
    broken.workflows['Sample-Workflow'].edges['Fetch-Patients->store'].condition_type = 'always';
    const invalid = await call('POST', '/api/provision', broken);
    expect(invalid.status).toBe(422);
    expect(Object.keys(invalid.body.errors)).toEqual([
      'workflows.Sample-Workflow.jobs.store.adaptor',
    ]);
    expect((await call('GET', `/api/provision/${state.id}`)).status).toBe(404);
  });

  it('refuses a workflow project_id of another project, naming the path', async () => {
    const { state, ids } = projectState();
    const payload = legacyPayload(state, { id: randomUUID(), workflows: [] });
    const { status, body } = await call('POST', '/api/provision', payload);
    expect(status).toBe(422);
    expect(Object.keys(body.errors)).toEqual(['workflows[0].project_id']);
    expect((await call('GET', `/api/provision/${ids.project}`)).status).toBe(404);
  });

  it('exports YAML keyed by names with their case, the same after a redeploy', async () => {
    const { state, ids } = projectState();
    await call('POST', '/api/provision', state);
    const exported = await call('GET', `/api/provision/yaml?id=${ids.project}`);
    expect(exported.status).toBe(200);
    const spec = parseYaml(exported.body);
    expect(Object.keys(spec.workflows)).toEqual(['Sample-Workflow']);
    expect(Object.keys(spec.workflows['Sample-Workflow'].jobs)).toEqual([
      'Fetch-Patients',
      'store',
    ]);
    expect(Object.keys(spec.workflows['Sample-Workflow'].edges)).toEqual([
      'webhook->Fetch-Patients',
      'Fetch-Patients->store',
    ]);
    const pulled = await call('GET', `/api/provision/${ids.project}`);
    await call('POST', '/api/provision', pulled.body.data);
    expect((await call('GET', `/api/provision/yaml/?id=${ids.project}`)).body).toBe(exported.body);
  });

  it('refuses text PostgreSQL cannot store and prototype keys with 400, storing nothing', async () => {
    const nul = projectState().state;
    const withNul = await call('POST', '/api/provision', {
      ...nul,
      name: 'a\u0000b',
      description: 'x\u0000',
    });
    expect(withNul.status).toBe(400);
    expect(Object.keys(withNul.body.errors).sort()).toEqual(['description', 'name']);
    expect((await call('GET', `/api/provision/${nul.id}`)).status).toBe(404);

    const yaml = projectState().state;
    const polluted = await call(
      'POST',
      '/api/provision',
      `id: ${yaml.id}\nname: yaml-project\n__proto__:\n  requires_mfa: true\nworkflows: []\n`,
      'application/yaml',
    );
    expect(polluted.status).toBe(400);
    expect(Object.keys(polluted.body.errors)).toEqual(['__proto__']);
    expect((await call('GET', `/api/provision/${yaml.id}`)).status).toBe(404);

    const keyed = projectState().state;
    const constructorKey = await call(
      'POST',
      '/api/provision',
      `{"id":"${keyed.id}","name":"json-project","workflows":{"constructor":{"id":"${randomUUID()}","name":"c"}}}`,
    );
    expect(constructorKey.status).toBe(400);
    expect(Object.keys(constructorKey.body.errors)).toEqual(['workflows.constructor']);
    expect((await call('GET', `/api/provision/${keyed.id}`)).status).toBe(404);
  });
});

/**
 * A spec as `openfn deploy` reads it (`project.yaml`): every list keyed, nothing identified, edges
 * and credentials by name, a body inline or as `{path, content}` once the CLI has read the file.
 */
function projectSpec() {
  return {
    name: 'spec-project',
    description: 'Deployed from a spec',
    credentials: {},
    workflows: {
      'Sample-Workflow': {
        name: 'Sample Workflow',
        jobs: {
          'Fetch-Patients': {
            name: 'Fetch Patients',
            adaptor: '@openfn/language-http@6.5.1',
            credential: null,
            body: 'get("/patients")',
          },
          store: {
            name: 'store',
            adaptor: '@openfn/language-common@latest',
            credential: null,
            body: { path: './jobs/store.js', content: 'fn(s => s)\n' },
          },
        },
        triggers: { webhook: { type: 'webhook', enabled: true } },
        edges: {
          'webhook->Fetch-Patients': {
            source_trigger: 'webhook',
            target_job: 'Fetch-Patients',
            condition_type: 'always',
            enabled: true,
          },
          'Fetch-Patients->store': {
            source_job: 'Fetch-Patients',
            target_job: 'store',
            condition_type: 'js_expression',
            condition_expression: 'state.data.length > 0',
            condition_label: 'some patients',
            enabled: true,
          },
        },
      },
      nightly: {
        name: 'nightly',
        jobs: {
          report: { name: 'report', adaptor: '@openfn/language-common@3.3.4', body: 'fn(s => s)' },
        },
        triggers: { cron: { type: 'cron', cron_expression: '0 2 * * *', enabled: false } },
        edges: {
          'cron->report': {
            source_trigger: 'cron',
            target_job: 'report',
            condition_type: 'always',
          },
        },
      },
    },
  };
}

describe("provisioning with the CLI's spec (project.yaml: names, no ids)", () => {
  it('creates a project from a spec, and the spec, its export and its state deploy again as no-ops', async () => {
    const posted = await call('POST', '/api/provision/', toYaml(projectSpec()), 'application/yaml');
    expect(posted.status).toBe(201);
    const state = posted.body.data;
    const [sample, nightly] = state.workflows;
    expect(sample.name).toBe('Sample Workflow');
    const [fetchJob, store] = sample.jobs;
    expect(store).toMatchObject({
      name: 'store',
      body: 'fn(s => s)\n',
      project_credential_id: null,
    });
    const [webhook] = sample.triggers;
    expect(sample.edges).toEqual([
      expect.objectContaining({ source_trigger_id: webhook.id, target_job_id: fetchJob.id }),
      expect.objectContaining({
        source_job_id: fetchJob.id,
        target_job_id: store.id,
        condition_label: 'some patients',
      }),
    ]);
    expect(nightly.edges[0].source_trigger_id).toBe(nightly.triggers[0].id);
    const snapshots = await snapshotCount(state.id);

    // The same spec again (JSON, YAML, as text/plain), the export, and the state: nothing new.
    const again = [
      await call('POST', `/api/provision?id=${state.id}`, projectSpec()),
      await call('POST', '/api/provision', { ...projectSpec(), id: state.id }),
      await call('POST', `/api/provision/?id=${state.id}`, toYaml(projectSpec()), 'text/plain'),
    ];
    const exported = await call('GET', `/api/provision/yaml?id=${state.id}`);
    again.push(await call('POST', `/api/provision?id=${state.id}`, exported.body, 'text/yaml'));
    again.push(await call('POST', `/api/provision?id=${state.id}`, exported.body, 'text/plain'));
    const read = await call('GET', `/api/provision/${state.id}`);
    again.push(await call('POST', '/api/provision', read.body.data));
    again.push(await call('POST', '/api/provision', toYaml(read.body.data), 'text/plain'));
    for (const answer of again) {
      expect(answer.status).toBe(201);
      expect(answer.body.data).toEqual(state);
    }
    expect(read.body.data).toEqual(state);
    expect(await snapshotCount(state.id)).toBe(snapshots);
    expect((await call('GET', `/api/provision/yaml?id=${state.id}`)).body).toBe(exported.body);
  });

  it('applies a changed spec as `openfn deploy` would: edits in place, unlisted items deleted', async () => {
    const created = (await call('POST', '/api/provision', projectSpec())).body.data;
    const [sample] = created.workflows;
    const snapshots = await snapshotCount(created.id);
    const spec = projectSpec();
    const flow = spec.workflows['Sample-Workflow'];
    // `store` and its edge go; the fetch job changes; a new job takes its place.
    const { store: _store, ...jobs } = flow.jobs;
    const changed = {
      ...spec,
      workflows: {
        ...spec.workflows,
        'Sample-Workflow': {
          ...flow,
          jobs: {
            ...jobs,
            'Fetch-Patients': { ...jobs['Fetch-Patients'], body: 'get("/patients?page=2")' },
            upload: { name: 'upload', adaptor: '@openfn/language-http@6.5.1', body: 'post("/x")' },
          },
          edges: {
            'webhook->Fetch-Patients': flow.edges['webhook->Fetch-Patients'],
            'Fetch-Patients->upload': {
              source_job: 'Fetch-Patients',
              target_job: 'upload',
              condition_type: 'on_job_success',
            },
          },
        },
      },
    };
    const deployed = await call('POST', `/api/provision?id=${created.id}`, changed);
    expect(deployed.status).toBe(201);
    const [after] = deployed.body.data.workflows;
    expect(after.lock_version).toBe(sample.lock_version + 1);
    expect(after.jobs.map((job: { name: string }) => job.name)).toEqual([
      'Fetch Patients',
      'upload',
    ]);
    expect(after.jobs[0]).toMatchObject({ id: sample.jobs[0].id, body: 'get("/patients?page=2")' });
    expect(after.edges.map((edge: { id: string }) => edge.id)[0]).toBe(sample.edges[0].id);
    expect(after.edges).toHaveLength(2);
    expect(after.edges[1]).toMatchObject({
      source_job_id: after.jobs[0].id,
      target_job_id: after.jobs[1].id,
    });
    // The other workflow did not change: one snapshot, of the changed one.
    expect(await snapshotCount(created.id)).toBe(snapshots + 1);
    expect((await call('POST', `/api/provision?id=${created.id}`, changed)).body.data).toEqual(
      deployed.body.data,
    );
    expect(await snapshotCount(created.id)).toBe(snapshots + 1);
  });

  it('takes the spec with ids and in arrays, and resolves credentials by name and owner', async () => {
    const db = server.testDatabase.db;
    const created = (await call('POST', '/api/provision', projectSpec())).body.data;
    const [credential] = await db
      .insert(schema.credentials)
      .values({ name: 'patients api', userId: user.id, schema: 'raw', body: Buffer.from('x') })
      .returning({ id: schema.credentials.id });
    await db
      .insert(schema.projectCredentials)
      .values({ projectId: created.id, credentialId: credential!.id });
    const spec = projectSpec();
    const flow = spec.workflows['Sample-Workflow'];
    const key = `${user.email}-patients-api`;
    const arrays = {
      id: created.id,
      name: spec.name,
      description: spec.description,
      credentials: { [key]: { name: 'patients api', owner: user.email } },
      workflows: [
        {
          id: created.workflows[0].id,
          name: flow.name,
          jobs: [
            { ...flow.jobs['Fetch-Patients'], credential: key },
            { ...flow.jobs.store, id: created.workflows[0].jobs[1].id },
          ],
          triggers: [flow.triggers.webhook],
          edges: [
            { ...flow.edges['webhook->Fetch-Patients'], target_job: 'Fetch Patients' },
            { ...flow.edges['Fetch-Patients->store'], source_job: 'Fetch Patients' },
          ],
        },
      ],
    };
    const deployed = await call('POST', '/api/provision', arrays);
    expect(deployed.status).toBe(201);
    const [sample, nightly] = deployed.body.data.workflows;
    expect(sample.jobs.map((job: { id: string }) => job.id)).toEqual(
      created.workflows[0].jobs.map((job: { id: string }) => job.id),
    );
    expect(sample.jobs[0].project_credential_id).toBe(deployed.body.data.project_credentials[0].id);
    expect(sample.edges.map((edge: { id: string }) => edge.id)).toEqual(
      created.workflows[0].edges.map((edge: { id: string }) => edge.id),
    );
    // The workflow the document leaves out is kept.
    expect(nightly).toEqual(created.workflows[1]);
    const snapshots = await snapshotCount(created.id);
    expect((await call('POST', '/api/provision', arrays)).body.data).toEqual(deployed.body.data);
    const exported = (await call('GET', `/api/provision/yaml?id=${created.id}`)).body;
    expect(parseYaml(exported).workflows['Sample-Workflow'].jobs['Fetch-Patients'].credential).toBe(
      key,
    );
    expect(
      (await call('POST', `/api/provision?id=${created.id}`, exported, 'text/plain')).body.data,
    ).toEqual(deployed.body.data);
    expect(await snapshotCount(created.id)).toBe(snapshots);
  });

  it('reports every problem of a spec at once, by its keys, and applies nothing', async () => {
    const created = (await call('POST', '/api/provision', projectSpec())).body.data;
    // biome-ignore lint/suspicious/noExplicitAny: a deep edit of a test document
    const spec = projectSpec() as Record<string, any>;
    const flow = spec.workflows['Sample-Workflow'];
    flow.edges['Fetch-Patients->store'].target_job = 'Store';
    flow.jobs.store.adaptor = 'common';
    flow.jobs['Fetch-Patients'].body = { path: './jobs/fetch.js' };
    flow.jobs['Fetch-Patients'].credential = 'nobody-nothing';
    spec.workflows.nightly.triggers.cron.cron_expression = 'every night';
    spec.credentials = { 'x@example.com-db': { name: 'db', owner: 'x@example.com' } };
    const invalid = await call('POST', `/api/provision?id=${created.id}`, spec);
    expect(invalid.status).toBe(422);
    expect(Object.keys(invalid.body.errors).sort()).toEqual([
      'credentials.x@example.com-db',
      'workflows.Sample-Workflow.edges.Fetch-Patients->store.target_job',
      'workflows.Sample-Workflow.jobs.Fetch-Patients.body',
      'workflows.Sample-Workflow.jobs.Fetch-Patients.credential',
      'workflows.Sample-Workflow.jobs.store.adaptor',
      'workflows.nightly.triggers.cron.cron_expression',
    ]);
    // Malformed fields (400) come with the names that name nothing, all in one answer.
    flow.jobs.store.adaptor = 42;
    flow.edges['webhook->Fetch-Patients'].condition_type = 'sometimes';
    const malformed = await call('POST', `/api/provision?id=${created.id}`, spec);
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.errors)).toEqual(
      expect.arrayContaining([
        'workflows.Sample-Workflow.jobs.store.adaptor',
        'workflows.Sample-Workflow.edges.webhook->Fetch-Patients.condition_type',
        'workflows.Sample-Workflow.edges.Fetch-Patients->store.target_job',
      ]),
    );
    expect((await call('GET', `/api/provision/${created.id}`)).body.data).toEqual(created);
    // The id of the query and of the document must agree.
    const other = await call('POST', `/api/provision?id=${randomUUID()}`, {
      ...projectSpec(),
      id: created.id,
    });
    expect(other.status).toBe(400);
    expect(Object.keys(other.body.errors)).toEqual(['id']);
  });

  it('reports every YAML syntax error with its line, not only the first', async () => {
    const { status, body } = await call(
      'POST',
      '/api/provision',
      'name: a\n  bad: indentation\nworkflows: [unclosed\nid: "x\n',
      'text/plain',
    );
    expect(status).toBe(400);
    expect(body.errors['(body)'].length).toBeGreaterThan(1);
    for (const message of body.errors['(body)']) expect(message).toMatch(/line \d+/);
  });
});
