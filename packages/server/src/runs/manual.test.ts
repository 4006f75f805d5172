// Manual runs over HTTP (`POST /api/workflows/:id/runs`) on a real server: who may start one, what
// is stored, and each refusal naming its field.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createWorkflowFixture, type WorkflowFixture } from './test-fixtures.js';

let server: TestServer;
let db: Database;
let fixture: WorkflowFixture;
let other: WorkflowFixture;
let editor: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  db = server.database.db;
  fixture = await createWorkflowFixture(db);
  other = await createWorkflowFixture(db);
  editor = await createTestUser(db, { projects: { [fixture.projectId]: 'editor' } });
  viewer = await createTestUser(db, { projects: { [fixture.projectId]: 'viewer' } });
});
afterAll(async () => {
  await server?.close();
});

const start = (user: TestUser | null, workflowId: string, body: unknown) =>
  fetch(`${server.baseUrl}/api/workflows/${workflowId}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(user?.headers ?? {}) },
    body: JSON.stringify(body),
  });

describe('POST /api/workflows/:id/runs', () => {
  it('queues a run of the chosen job with the typed input, on the manual queue, by its creator', async () => {
    const response = await start(editor, fixture.workflowId, {
      job_id: fixture.jobIds[1],
      body: { data: { typed: true } },
    });
    expect(response.status).toBe(201);
    const { data } = (await response.json()) as {
      data: { run_id: string; work_order_id: string; dataclip_id: string };
    };
    expect(response.headers.get('location')).toBe(`/api/runs/${data.run_id}`);
    const [run] = await db.select().from(schema.runs).where(eq(schema.runs.id, data.run_id));
    expect(run).toMatchObject({
      workOrderId: data.work_order_id,
      startingJobId: fixture.jobIds[1],
      startingTriggerId: null,
      createdById: editor.id,
      queue: 'manual',
      priority: schema.RUN_PRIORITY.immediate,
      state: 'available',
    });
    const [dataclip] = await db
      .select()
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, data.dataclip_id));
    expect(dataclip).toMatchObject({ type: 'saved_input', body: { data: { typed: true } } });

    // The same input again, by id.
    const again = await start(editor, fixture.workflowId, {
      job_id: fixture.jobIds[0],
      dataclip_id: data.dataclip_id,
    });
    expect(again.status).toBe(201);
    expect(((await again.json()) as { data: { dataclip_id: string } }).data.dataclip_id).toBe(
      data.dataclip_id,
    );
  });

  it('refuses anonymous callers (401), viewers (403) and non-members (404), before reading the body', async () => {
    expect((await start(null, fixture.workflowId, {})).status).toBe(401);
    expect((await start(viewer, fixture.workflowId, { nonsense: 1 })).status).toBe(403);
    expect((await start(editor, other.workflowId, { job_id: other.jobIds[0] })).status).toBe(404);
    expect((await start(editor, randomUUID(), {})).status).toBe(404);
  });

  it('names the field at fault', async () => {
    const malformed = await start(editor, fixture.workflowId, { job_id: 'x', extra: 1 });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: 'The manual run is malformed',
      errors: { job_id: ['must be a UUID'], extra: ['is not a known field'] },
    });
    const notAJob = await start(editor, fixture.workflowId, { job_id: other.jobIds[0] });
    expect(notAJob.status).toBe(422);
    expect(await notAJob.json()).toMatchObject({ errors: { job_id: [expect.any(String)] } });

    const [foreign] = await db
      .insert(schema.dataclips)
      .values({ projectId: other.projectId, type: 'saved_input', body: { secret: 1 } })
      .returning({ id: schema.dataclips.id });
    const foreignInput = await start(editor, fixture.workflowId, {
      job_id: fixture.jobIds[0],
      dataclip_id: foreign!.id,
    });
    expect(foreignInput.status).toBe(422);
    expect(await foreignInput.json()).toMatchObject({
      errors: { dataclip_id: ['is not a dataclip of this project'] },
    });
  });
});
