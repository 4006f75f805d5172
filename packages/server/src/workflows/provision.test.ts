import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
/** Provisions the projects of these tests, so it is their owner. */
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  user = await createTestUser(server.testDatabase.db);
});
afterAll(async () => {
  await server?.close();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers:
      body === undefined ? user.headers : { ...user.headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: json ? JSON.parse(text) : text,
  };
}

function projectDocument() {
  const ids = {
    project: randomUUID(),
    workflow: randomUUID(),
    cronWorkflow: randomUUID(),
    webhook: randomUUID(),
    cron: randomUUID(),
    fetch: randomUUID(),
    store: randomUUID(),
    report: randomUUID(),
    toFetch: randomUUID(),
    toStore: randomUUID(),
    toReport: randomUUID(),
  };
  const document = {
    id: ids.project,
    name: 'openhie-project',
    description: 'Moves patients',
    concurrency: 5,
    retention_policy: 'retain_all',
    history_retention_period: 90,
    dataclip_retention_period: 30,
    requires_mfa: false,
    allow_support_access: false,
    project_credentials: [],
    collections: [],
    workflows: [
      {
        id: ids.workflow,
        name: 'patients',
        jobs: [
          {
            id: ids.fetch,
            name: 'fetch',
            body: 'get("/patients")',
            adaptor: '@openfn/language-http@6.5.1',
          },
          {
            id: ids.store,
            name: 'store',
            body: 'fn(s => s)',
            adaptor: '@openfn/language-common@latest',
          },
        ],
        triggers: [
          { id: ids.webhook, type: 'webhook', enabled: true, webhook_reply: 'before_start' },
        ],
        edges: [
          {
            id: ids.toFetch,
            source_trigger_id: ids.webhook,
            target_job_id: ids.fetch,
            condition_type: 'always',
            enabled: true,
          },
          {
            id: ids.toStore,
            source_job_id: ids.fetch,
            target_job_id: ids.store,
            condition_type: 'js_expression',
            condition_expression: 'state.data.length > 0',
            condition_label: 'has patients',
            enabled: true,
          },
        ],
      },
      {
        id: ids.cronWorkflow,
        name: 'nightly report',
        jobs: [
          {
            id: ids.report,
            name: 'report',
            body: 'fn(s => s)',
            adaptor: '@openfn/language-common@latest',
          },
        ],
        triggers: [
          {
            id: ids.cron,
            type: 'cron',
            enabled: false,
            cron_expression: '0 2 * * *',
            webhook_reply: 'before_start',
          },
        ],
        edges: [
          {
            id: ids.toReport,
            source_trigger_id: ids.cron,
            target_job_id: ids.report,
            condition_type: 'always',
            enabled: true,
          },
        ],
      },
    ],
  };
  return { ids, document };
}

/** The document without the fields the server adds (versions, timestamps). */
function strip(document: Record<string, unknown>): Record<string, unknown> {
  const { inserted_at, updated_at, ...rest } = document;
  return {
    ...rest,
    workflows: (rest.workflows as Record<string, unknown>[]).map(
      ({ inserted_at: _i, updated_at: _u, lock_version: _l, enable_job_logs: _e, ...workflow }) =>
        workflow,
    ),
  };
}

describe('provisioning', () => {
  it('round-trips a project document: what is posted is what is read back', async () => {
    const { document } = projectDocument();
    const posted = await call('POST', '/api/provision', document);
    expect(posted.status).toBe(201);
    expect(posted.headers.get('location')).toBe(`/api/provision/${document.id}`);
    // What was posted, plus every field Lightning answers with (null ones included).
    expect(strip(posted.body.data)).toMatchObject(document);
    expect(posted.body.data.workflows[0].jobs[0]).toEqual({
      ...document.workflows[0]!.jobs[0],
      project_credential_id: null,
      keychain_credential_id: null,
    });

    const read = await call('GET', `/api/provision/${document.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual(posted.body.data);
    expect(read.body.data.workflows.map((w: { lock_version: number }) => w.lock_version)).toEqual([
      1, 1,
    ]);

    // Deploying the pulled document again changes nothing.
    const again = await call('POST', '/api/provision', read.body.data);
    expect(again.status).toBe(201);
    expect(again.body.data).toEqual(read.body.data);
  });

  it('applies deletions and keeps what the document does not mention', async () => {
    const { document, ids } = projectDocument();
    await call('POST', '/api/provision', document);
    const update = {
      id: ids.project,
      name: 'openhie-project',
      workflows: [
        {
          id: ids.workflow,
          jobs: [{ id: ids.store, delete: true }],
          edges: [{ id: ids.toStore, delete: true }],
        },
        { id: ids.cronWorkflow, delete: true },
      ],
    };
    const { status, body } = await call('POST', '/api/provision', update);
    expect(status).toBe(201);
    expect(body.data.workflows).toHaveLength(1);
    const [workflow] = body.data.workflows;
    expect(workflow.lock_version).toBe(2);
    expect(workflow.jobs.map((job: { name: string }) => job.name)).toEqual(['fetch']);
    expect(workflow.edges.map((edge: { id: string }) => edge.id)).toEqual([ids.toFetch]);
    expect(workflow.triggers[0].id).toBe(ids.webhook);
    expect(body.data.description).toBe('Moves patients');
  });

  it('saves nothing when any part is invalid, and lists every problem by path', async () => {
    const { document } = projectDocument();
    const [first, second] = document.workflows as unknown as [
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    const broken = {
      ...document,
      workflows: [
        first,
        {
          ...second,
          jobs: [{ ...(second.jobs as object[])[0], adaptor: 'common' }],
          triggers: [{ ...(second.triggers as object[])[0], cron_expression: 'every day' }],
        },
      ],
    };
    const { status, body } = await call('POST', '/api/provision', broken);
    expect(status).toBe(422);
    expect(Object.keys(body.errors).sort()).toEqual([
      'workflows[1].jobs[0].adaptor',
      'workflows[1].triggers[0].cron_expression',
    ]);
    expect((await call('GET', `/api/provision/${document.id}`)).status).toBe(404);
  });

  it("exports Lightning's spec YAML, keyed by names", async () => {
    const { document } = projectDocument();
    await call('POST', '/api/provision', document);
    const exported = await call('GET', `/api/provision/yaml?id=${document.id}`);
    expect(exported.status).toBe(200);
    const spec = parseYaml(exported.body);
    expect(spec.name).toBe('openhie-project');
    expect(Object.keys(spec.workflows)).toEqual(['patients', 'nightly-report']);
    expect(spec.workflows.patients.jobs.fetch).toEqual({
      name: 'fetch',
      adaptor: '@openfn/language-http@6.5.1',
      credential: null,
      body: 'get("/patients")',
    });
    expect(spec.workflows.patients.edges['fetch->store']).toMatchObject({
      source_job: 'fetch',
      target_job: 'store',
      condition_type: 'js_expression',
      condition_expression: 'state.data.length > 0',
    });
    expect(spec.workflows['nightly-report'].triggers.cron).toEqual({
      type: 'cron',
      cron_expression: '0 2 * * *',
      enabled: false,
    });
    expect(Object.keys(spec.workflows['nightly-report'].edges)).toEqual(['cron->report']);
  });

  it('refuses a deletion combined with changes to the same item', async () => {
    const { document, ids } = projectDocument();
    await call('POST', '/api/provision', document);
    const { status, body } = await call('POST', '/api/provision', {
      id: ids.project,
      name: document.name,
      workflows: [
        { id: ids.workflow, jobs: [{ id: ids.store, name: 'renamed', delete: true }] },
        { id: ids.cronWorkflow, name: 'renamed too', delete: true },
      ],
    });
    expect(status).toBe(422);
    expect(Object.keys(body.errors).sort()).toEqual([
      'workflows[0].jobs[0].delete',
      'workflows[1].delete',
    ]);
  });

  it('answers 400 naming malformed and unknown fields', async () => {
    const { document } = projectDocument();
    const { status, body } = await call('POST', '/api/provision', {
      ...document,
      owner: 'me',
      workflows: [{ ...document.workflows[0], jobs: [{ id: 'x', name: 'a' }] }],
    });
    expect(status).toBe(400);
    expect(Object.keys(body.errors).sort()).toEqual(['owner', 'workflows[0].jobs[0].id']);
  });

  it('accepts the fields of OpenFn tooling it does not keep when empty, and refuses them set', async () => {
    const { document } = projectDocument();
    const [workflow] = document.workflows as unknown as Record<string, unknown>[];
    const jobs = workflow!.jobs as Record<string, unknown>[];
    const triggers = workflow!.triggers as Record<string, unknown>[];
    const withTooling = (values: {
      env: unknown;
      history: unknown;
      keychain: unknown;
      cursor: unknown;
    }) => ({
      ...document,
      env: values.env,
      workflows: [
        {
          ...workflow,
          positions: { [String(jobs[0]!.id)]: { x: 10, y: 20 } },
          version_history: values.history,
          jobs: jobs.map((job) => ({ ...job, keychain_credential_id: values.keychain })),
          triggers: triggers.map((trigger) => ({ ...trigger, cron_cursor_job_id: values.cursor })),
        },
      ],
    });
    const refused = await call(
      'POST',
      '/api/provision',
      withTooling({
        env: 'main',
        history: ['cli:abc123'],
        keychain: randomUUID(),
        cursor: String(jobs[0]!.id),
      }),
    );
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.body.errors).sort()).toEqual([
      'env',
      'workflows[0].jobs[0].keychain_credential_id',
      'workflows[0].jobs[1].keychain_credential_id',
      'workflows[0].triggers[0].cron_cursor_job_id',
      'workflows[0].version_history',
    ]);
    expect((await call('GET', `/api/provision/${document.id}`)).status).toBe(404);

    const posted = await call(
      'POST',
      '/api/provision',
      withTooling({ env: null, history: [], keychain: null, cursor: null }),
    );
    expect(posted.status).toBe(201);
    expect(posted.body.data.workflows[0].jobs).toHaveLength(2);
  });

  it('shows an earlier version of a workflow when asked for its snapshot', async () => {
    const { document, ids } = projectDocument();
    await call('POST', '/api/provision', document);
    await call('POST', '/api/provision', {
      id: ids.project,
      name: document.name,
      workflows: [{ id: ids.workflow, jobs: [{ id: ids.fetch, body: 'get("/v2/patients")' }] }],
    });
    const response = await fetch(`${server.baseUrl}/api/workflows/${ids.workflow}/snapshots`, {
      headers: user.headers,
    });
    const snapshots = ((await response.json()) as { data: { id: string }[] }).data;
    expect(snapshots).toHaveLength(2);
    const old = await call('GET', `/api/provision/${ids.project}?snapshots[]=${snapshots[0]!.id}`);
    const [workflow] = old.body.data.workflows;
    expect(workflow.lock_version).toBe(1);
    expect(workflow.jobs[0].body).toBe('get("/patients")');
    const live = await call('GET', `/api/provision/${ids.project}`);
    expect(live.body.data.workflows[0].jobs[0].body).toBe('get("/v2/patients")');
  });

  it('updates several workflows in one document: swapped names, new and removed items, snapshots as live', async () => {
    const { document, ids } = projectDocument();
    await call('POST', '/api/provision', document);
    const newJob = randomUUID();
    const newEdge = randomUUID();
    const { status, body } = await call('POST', '/api/provision', {
      id: ids.project,
      name: document.name,
      workflows: [
        {
          id: ids.workflow,
          jobs: [
            { id: ids.fetch, name: 'store' },
            { id: ids.store, name: 'fetch' },
            { id: newJob, name: 'notify', adaptor: '@openfn/language-common@latest', body: '' },
          ],
          edges: [{ id: newEdge, source_job_id: ids.store, target_job_id: newJob }],
        },
        {
          id: ids.cronWorkflow,
          name: 'weekly report',
          triggers: [{ id: ids.cron, cron_expression: '0 2 * * 1' }],
        },
      ],
    });
    expect(status).toBe(201);
    const [patients, report] = body.data.workflows;
    expect(patients.jobs.map((job: { name: string }) => job.name)).toEqual([
      'store',
      'fetch',
      'notify',
    ]);
    expect(patients.lock_version).toBe(2);
    expect(report).toMatchObject({ name: 'weekly report', lock_version: 2 });
    expect(report.triggers[0].cron_expression).toBe('0 2 * * 1');
    for (const workflow of [patients, report]) {
      const response = await fetch(`${server.baseUrl}/api/workflows/${workflow.id}/snapshots`, {
        headers: user.headers,
      });
      const snapshots = ((await response.json()) as { data: Record<string, unknown>[] }).data;
      expect(snapshots.map((snapshot) => snapshot.lock_version)).toEqual([1, 2]);
      const strip = ({
        keychain_credential_id: _k,
        cron_cursor_job_id: _c,
        ...item
      }: Record<string, unknown>) => item;
      expect(snapshots[1]).toMatchObject({
        name: workflow.name,
        jobs: workflow.jobs.map(strip),
        triggers: workflow.triggers.map(strip),
        edges: workflow.edges,
      });
    }
  });

  it('refuses a stale workflow lock_version with 409', async () => {
    const { document, ids } = projectDocument();
    await call('POST', '/api/provision', document);
    const stale = {
      id: ids.project,
      name: document.name,
      workflows: [{ id: ids.workflow, name: 'renamed', lock_version: 0 }],
    };
    expect((await call('POST', '/api/provision', stale)).status).toBe(409);
  });

  it('exports YAML that parses back to the JSON document, and accepts it back', async () => {
    const { document } = projectDocument();
    await call('POST', '/api/provision', document);
    const json = (await call('GET', `/api/provision/${document.id}`)).body.data;
    const yaml = await call('GET', `/api/provision/${document.id}?format=yaml`);
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^text\/yaml/);
    expect(parseYaml(yaml.body)).toEqual(json);
    expect(parseYaml((await call('GET', `/api/provision/${document.id}.yaml`)).body)).toEqual(json);

    const response = await fetch(`${server.baseUrl}/api/provision`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/yaml' },
      body: toYaml({ ...json, description: 'From YAML' }),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { data: { description: string } }).data.description).toBe(
      'From YAML',
    );
  });

  it('lets anyone signed in create a project (as its owner); changing one needs a role', async () => {
    const db = server.testDatabase.db;
    const { document } = projectDocument();
    const stranger = await createTestUser(db);
    const post = (as: TestUser | null, body: unknown) =>
      fetch(`${server.baseUrl}/api/provision`, {
        method: 'POST',
        headers: { ...(as?.headers ?? {}), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(null, document)).status).toBe(401);
    expect((await post(stranger, document)).status).toBe(201);
    const [membership] = await db
      .select({ userId: schema.projectUsers.userId, role: schema.projectUsers.role })
      .from(schema.projectUsers)
      .where(eq(schema.projectUsers.projectId, document.id));
    expect(membership).toEqual({ userId: stranger.id, role: 'owner' });
    const [created] = await db
      .select({ event: schema.auditEvents.event, actorId: schema.auditEvents.actorId })
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.projectId, document.id));
    expect(created).toEqual({ event: 'project_created', actorId: stranger.id });

    // The description is a project setting: admin and above, as PATCH /api/projects/:id.
    const changed = { ...document, description: 'changed' };
    expect((await post(user, changed)).status).toBe(404);
    const viewer = await createTestUser(db, { projects: { [document.id]: 'viewer' } });
    expect((await post(viewer, changed)).status).toBe(403);
    const editor = await createTestUser(db, { projects: { [document.id]: 'editor' } });
    expect((await post(editor, changed)).status).toBe(403);
    const admin = await createTestUser(db, { projects: { [document.id]: 'admin' } });
    expect((await post(admin, changed)).status).toBe(201);
    const read = await fetch(`${server.baseUrl}/api/provision/${document.id}`, {
      headers: viewer.headers,
    });
    expect(((await read.json()) as { data: { description: string } }).data.description).toBe(
      'changed',
    );
    expect(
      (await fetch(`${server.baseUrl}/api/provision/${document.id}`, { headers: user.headers }))
        .status,
    ).toBe(404);
  });
});
