import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function createProject(): Promise<string> {
  const id = randomUUID();
  const { status } = await call('POST', '/api/provision', {
    id,
    name: `project-${id.slice(0, 8)}`,
  });
  expect(status).toBe(201);
  return id;
}

/** A webhook → a → b workflow with client-chosen ids. */
function twoJobWorkflow(name = 'intake') {
  const trigger = randomUUID();
  const a = randomUUID();
  const b = randomUUID();
  return {
    ids: { trigger, a, b },
    body: {
      name,
      jobs: [
        { id: a, name: 'fetch', body: 'fn(s => s)', adaptor: '@openfn/language-http@6.5.1' },
        { id: b, name: 'store', body: 'fn(s => s)', adaptor: '@openfn/language-common@latest' },
      ],
      triggers: [{ id: trigger, type: 'webhook', enabled: true }],
      edges: [
        { source_trigger_id: trigger, target_job_id: a, condition_type: 'always' },
        { source_job_id: a, target_job_id: b, condition_type: 'on_job_success' },
      ],
    },
  };
}

describe('workflows', () => {
  it('creates a workflow with its graph at version 1 and writes its snapshot', async () => {
    const projectId = await createProject();
    const { body, ids } = twoJobWorkflow();
    const created = await call('POST', `/api/projects/${projectId}/workflows`, body);
    expect(created.status).toBe(201);
    const workflow = created.body.data;
    expect(workflow).toMatchObject({ project_id: projectId, name: 'intake', lock_version: 1 });
    expect(workflow.jobs.map((job: { id: string }) => job.id)).toEqual([ids.a, ids.b]);
    expect(workflow.triggers[0]).toMatchObject({ id: ids.trigger, enabled: true });
    expect(workflow.edges).toHaveLength(2);

    const snapshots = await call('GET', `/api/workflows/${workflow.id}/snapshots`);
    expect(snapshots.body.data).toHaveLength(1);
    expect(snapshots.body.data[0]).toMatchObject({ lock_version: 1, name: 'intake' });
    expect(snapshots.body.data[0].jobs).toEqual(workflow.jobs);
    expect(snapshots.body.data[0].edges).toEqual(workflow.edges);
  });

  it('answers 400 naming each malformed field', async () => {
    const projectId = await createProject();
    const { status, body } = await call('POST', `/api/projects/${projectId}/workflows`, {
      name: 42,
      jobs: [{ name: 'a', body: 1 }],
      colour: 'red',
    });
    expect(status).toBe(400);
    expect(Object.keys(body.errors).sort()).toEqual(['colour', 'jobs[0].body', 'name']);
  });

  it('answers 422 naming each rule broken, and saves nothing', async () => {
    const projectId = await createProject();
    const { body: workflow, ids } = twoJobWorkflow();
    const cron = randomUUID();
    const bad = {
      ...workflow,
      jobs: [
        { ...workflow.jobs[0], adaptor: 'language-http' },
        { ...workflow.jobs[1], name: 'store; drop table' },
      ],
      triggers: [...workflow.triggers, { id: cron, type: 'cron', cron_expression: '61 * * * *' }],
      edges: [
        ...workflow.edges,
        { source_trigger_id: cron, target_job_id: ids.a, condition_type: 'on_job_failure' },
        {
          source_job_id: ids.b,
          target_job_id: randomUUID(),
          condition_type: 'js_expression',
          condition_expression: 'require("fs")',
        },
      ],
    };
    const { status, body } = await call('POST', `/api/projects/${projectId}/workflows`, bad);
    expect(status).toBe(422);
    expect(body.errors).toMatchObject({
      'jobs[0].adaptor': [expect.stringContaining('name@version')],
      'jobs[1].name': [expect.stringContaining('letters')],
      'triggers[1].cron_expression': [expect.stringContaining('61')],
      'edges[2].condition_type': [expect.stringContaining('always')],
      'edges[2].target_job_id': [expect.stringContaining('one trigger per root')],
      'edges[3].target_job_id': [expect.stringContaining('job of this workflow')],
      'edges[3].condition_expression': [expect.stringContaining('require')],
      'edges[3].condition_label': [expect.stringContaining('required')],
    });
    const list = await call('GET', `/api/projects/${projectId}/workflows`);
    expect(list.body.data).toEqual([]);
  });

  it('refuses a cycle', async () => {
    const projectId = await createProject();
    const { body: workflow, ids } = twoJobWorkflow();
    const cyclic = {
      ...workflow,
      edges: [
        ...workflow.edges,
        { source_job_id: ids.b, target_job_id: ids.a, condition_type: 'always' },
      ],
    };
    const { status, body } = await call('POST', `/api/projects/${projectId}/workflows`, cyclic);
    expect(status).toBe(422);
    expect(body.errors.edges).toEqual(['form a cycle: fetch → store → fetch']);
  });

  it('writes a new immutable snapshot on each save that changes the graph', async () => {
    const projectId = await createProject();
    const { body: workflow } = twoJobWorkflow();
    const created = (await call('POST', `/api/projects/${projectId}/workflows`, workflow)).body
      .data;
    const first = (await call('GET', `/api/workflows/${created.id}/snapshots`)).body.data[0];

    const edited = {
      ...workflow,
      lock_version: 1,
      jobs: [{ ...created.jobs[0], body: 'get("/patients")' }, created.jobs[1]],
      edges: created.edges,
    };
    const updated = await call('PUT', `/api/workflows/${created.id}`, edited);
    expect(updated.status).toBe(200);
    expect(updated.body.data.lock_version).toBe(2);
    expect(updated.body.data.jobs[0].body).toBe('get("/patients")');

    // The same document again changes nothing: no new version.
    const again = await call('PUT', `/api/workflows/${created.id}`, { ...edited, lock_version: 2 });
    expect(again.body.data.lock_version).toBe(2);

    const snapshots = (await call('GET', `/api/workflows/${created.id}/snapshots`)).body.data;
    expect(snapshots.map((s: { lock_version: number }) => s.lock_version)).toEqual([1, 2]);
    expect(snapshots[0]).toEqual(first);
    expect(snapshots[0].jobs[0].body).toBe('fn(s => s)');
    expect(snapshots[1].jobs[0].body).toBe('get("/patients")');
    const audit = await server.database.db
      .select()
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.itemId, created.id));
    expect(audit.map((event) => event.event)).toEqual(['snapshot_created', 'snapshot_created']);
  });

  it('lets jobs swap names, and a new job take the name of a removed one, in one save', async () => {
    const projectId = await createProject();
    const created = (
      await call('POST', `/api/projects/${projectId}/workflows`, twoJobWorkflow().body)
    ).body.data;
    const [fetchJob, storeJob] = created.jobs;
    const swapped = await call('PUT', `/api/workflows/${created.id}`, {
      ...created,
      jobs: [
        { ...fetchJob, name: 'store' },
        { ...storeJob, name: 'fetch' },
      ],
    });
    expect(swapped.status).toBe(200);
    expect(swapped.body.data.jobs.map((job: { name: string }) => job.name)).toEqual([
      'store',
      'fetch',
    ]);
    const replacement = randomUUID();
    const replaced = await call('PUT', `/api/workflows/${created.id}`, {
      ...swapped.body.data,
      jobs: [swapped.body.data.jobs[0], { id: replacement, name: 'fetch', body: 'fn(s => s)' }],
      edges: swapped.body.data.edges.filter(
        (edge: { target_job_id: string }) => edge.target_job_id !== storeJob.id,
      ),
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data.jobs.map((job: { id: string }) => job.id)).toEqual([
      fetchJob.id,
      replacement,
    ]);
  });

  it('refuses a save based on a stale lock_version with 409', async () => {
    const projectId = await createProject();
    const { body: workflow } = twoJobWorkflow();
    const created = (await call('POST', `/api/projects/${projectId}/workflows`, workflow)).body
      .data;
    const alice = await call('PUT', `/api/workflows/${created.id}`, {
      ...workflow,
      name: 'alice',
      lock_version: 1,
    });
    expect(alice.status).toBe(200);
    const bob = await call('PUT', `/api/workflows/${created.id}`, {
      ...workflow,
      name: 'bob',
      lock_version: 1,
    });
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatch(/version 1.*version 2/);
    expect((await call('GET', `/api/workflows/${created.id}`)).body.data.name).toBe('alice');
  });

  it('deletes a workflow: gone from lists, triggers disabled, name free again', async () => {
    const projectId = await createProject();
    const { body: workflow } = twoJobWorkflow('nightly');
    const created = (await call('POST', `/api/projects/${projectId}/workflows`, workflow)).body
      .data;
    expect((await call('DELETE', `/api/workflows/${created.id}`)).status).toBe(204);
    expect((await call('GET', `/api/workflows/${created.id}`)).status).toBe(404);
    const snapshots = (await call('GET', `/api/workflows/${created.id}/snapshots`)).status;
    expect(snapshots).toBe(404);
    const again = await call(
      'POST',
      `/api/projects/${projectId}/workflows`,
      twoJobWorkflow('nightly').body,
    );
    expect(again.status).toBe(201);
  });

  it('lists jobs of live workflows, per project and by id', async () => {
    const projectId = await createProject();
    const { body, ids } = twoJobWorkflow();
    await call('POST', `/api/projects/${projectId}/workflows`, body);
    const jobs = (await call('GET', `/api/projects/${projectId}/jobs`)).body.data;
    expect(jobs.map((job: { name: string }) => job.name)).toEqual(['fetch', 'store']);
    expect(jobs[0]).toMatchObject({ id: ids.a, project_id: projectId });
    const one = await call('GET', `/api/projects/${projectId}/jobs/${ids.b}`);
    expect(one.body.data.name).toBe('store');
    expect((await call('GET', `/api/jobs/${ids.a}`)).body.data.adaptor).toBe(
      '@openfn/language-http@6.5.1',
    );
    expect((await call('GET', `/api/projects/${await createProject()}/jobs/${ids.a}`)).status).toBe(
      404,
    );
  });

  it('keeps webhook custom paths unique across the instance', async () => {
    const projectId = await createProject();
    const path = `intake-${randomUUID().slice(0, 8)}`;
    const first = twoJobWorkflow('first');
    first.body.triggers[0] = { ...first.body.triggers[0]!, custom_path: path } as never;
    expect((await call('POST', `/api/projects/${projectId}/workflows`, first.body)).status).toBe(
      201,
    );
    const second = twoJobWorkflow('second');
    second.body.triggers[0] = { ...second.body.triggers[0]!, custom_path: path } as never;
    const refused = await call('POST', `/api/projects/${projectId}/workflows`, second.body);
    expect(refused.status).toBe(422);
    expect(refused.body.errors['triggers[0].custom_path']).toEqual(['is used by another trigger']);
  });

  it('pages workflow and job lists with a cursor', async () => {
    const projectId = await createProject();
    for (const name of ['one', 'two', 'three']) {
      await call('POST', `/api/projects/${projectId}/workflows`, twoJobWorkflow(name).body);
    }
    const first = await call('GET', `/api/projects/${projectId}/workflows?page_size=2`);
    expect(first.body.data.map((w: { name: string }) => w.name)).toEqual(['one', 'two']);
    expect(first.body.meta.next_cursor).toEqual(expect.any(String));
    const second = await call(
      'GET',
      `/api/projects/${projectId}/workflows?page_size=2&cursor=${first.body.meta.next_cursor}`,
    );
    expect(second.body.data.map((w: { name: string }) => w.name)).toEqual(['three']);
    expect(second.body.meta.next_cursor).toBeNull();
    const jobs = await call('GET', `/api/projects/${projectId}/jobs?page_size=4`);
    expect(jobs.body.data).toHaveLength(4);
    const rest = await call(
      'GET',
      `/api/projects/${projectId}/jobs?page_size=4&cursor=${jobs.body.meta.next_cursor}`,
    );
    expect(rest.body.data).toHaveLength(2);
    const bad = await call('GET', `/api/projects/${projectId}/workflows?cursor=nonsense`);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors)).toEqual(['cursor']);
  });

  it('answers 404 for unknown workflows and projects', async () => {
    expect((await call('GET', `/api/workflows/${randomUUID()}`)).status).toBe(404);
    expect((await call('GET', '/api/workflows/not-a-uuid')).status).toBe(404);
    const { body } = twoJobWorkflow();
    expect((await call('POST', `/api/projects/${randomUUID()}/workflows`, body)).status).toBe(404);
    expect(
      (await call('PUT', `/api/workflows/${randomUUID()}`, { ...body, lock_version: 1 })).status,
    ).toBe(404);
  });
});
