// The history endpoints over a real server: listing and filtering work orders with keyset pages,
// showing work orders, runs, log lines and dataclips, retrying and cancelling.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { ConflictError } from '../http/errors.js';
import { addMember, createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { cancelRun } from './cancel.js';
import { claim } from './claim.js';
import { decodeCursor } from './cursor.js';
import { retryWorkOrders } from './retry.js';
import {
  createWorkflowFixture as createRunsFixture,
  enqueueRun,
  type WorkflowFixture,
} from './test-fixtures.js';

let server: TestServer;
let db: Database;
/** An editor of every project these tests create (see `createWorkflowFixture` below). */
let editor: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  db = server.database.db;
  editor = await createTestUser(db);
});

/** The runs fixture, with `editor` as a member of its project. */
async function createWorkflowFixture(
  database: Database,
  options?: Parameters<typeof createRunsFixture>[1],
): Promise<WorkflowFixture> {
  const fixture = await createRunsFixture(database, options);
  await addMember(database, fixture.projectId, editor.id, 'editor');
  return fixture;
}
afterAll(() => server?.close());

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
type Json = any;

async function api(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const response = await fetch(`${server.baseUrl}${path}`, {
    ...rest,
    headers: {
      ...editor.headers,
      ...(json === undefined ? rest.headers : { 'content-type': 'application/json' }),
    },
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function setState(workOrderId: string, state: string) {
  await db.execute(sql`UPDATE work_orders SET state = ${state} WHERE id = ${workOrderId}`);
  await db.execute(sql`UPDATE runs SET state = ${state === 'pending' ? 'available' : state},
                         finished_at = now() WHERE work_order_id = ${workOrderId}`);
}

/** A finished run `a → b`: two steps, each with its input and output dataclip, and log lines. */
async function finishedRun(fixture: WorkflowFixture, body: unknown = { n: 1 }) {
  const created = await enqueueRun(db, fixture, {
    dataclip: { projectId: fixture.projectId, type: 'http_request', body },
  });
  const outputA = randomUUID();
  const outputB = randomUUID();
  await db.insert(schema.dataclips).values([
    { id: outputA, projectId: fixture.projectId, type: 'step_result', body: { a: true } },
    { id: outputB, projectId: fixture.projectId, type: 'step_result', body: { b: true } },
  ]);
  const stepA = randomUUID();
  const stepB = randomUUID();
  await db.insert(schema.steps).values([
    {
      id: stepA,
      jobId: fixture.jobIds[0],
      snapshotId: fixture.snapshotId,
      inputDataclipId: created.dataclipId,
      outputDataclipId: outputA,
      exitReason: 'success',
      startedAt: '2026-11-27T00:00:00.000000Z',
      finishedAt: '2026-11-27T00:00:01.250000Z',
    },
    {
      id: stepB,
      jobId: fixture.jobIds[1],
      snapshotId: fixture.snapshotId,
      inputDataclipId: outputA,
      outputDataclipId: outputB,
      exitReason: 'fail',
      errorType: 'JobError',
      errorMessage: 'b failed',
      startedAt: '2026-11-27T00:00:02.000000Z',
      finishedAt: '2026-11-27T00:00:02.500000Z',
    },
  ]);
  await db.insert(schema.runSteps).values([
    { runId: created.runId, stepId: stepA },
    { runId: created.runId, stepId: stepB },
  ]);
  await db.insert(schema.logLines).values(
    ['info', 'debug', 'error', 'info', 'info'].map((level, i) => ({
      runId: created.runId,
      stepId: i < 3 ? stepA : stepB,
      level: level as 'info',
      message: `line ${i}`,
      timestamp: `2026-11-27T00:00:0${i}.00000${i}Z`,
    })),
  );
  await db.execute(sql`UPDATE runs SET state = 'failed', started_at = '2026-11-27T00:00:00Z',
                         finished_at = '2026-11-27T00:00:03Z' WHERE id = ${created.runId}`);
  await db.execute(sql`UPDATE work_orders SET state = 'failed' WHERE id = ${created.workOrderId}`);
  return { ...created, stepA, stepB, outputA, outputB };
}

describe('GET /api/work_orders', () => {
  it('lists newest first with runs, filtered by workflow, project and states', async () => {
    const fixture = await createWorkflowFixture(db);
    const other = await createWorkflowFixture(db, { projectId: fixture.projectId });
    const first = await enqueueRun(db, fixture);
    const second = await enqueueRun(db, fixture);
    const third = await enqueueRun(db, other);
    await setState(first.workOrderId, 'failed');
    await setState(third.workOrderId, 'crashed');

    const byWorkflow = await api(`/api/work_orders?workflow_id=${fixture.workflowId}`);
    expect(byWorkflow.status).toBe(200);
    expect(byWorkflow.body.data.map((w: Json) => w.id)).toEqual([
      second.workOrderId,
      first.workOrderId,
    ]);
    expect(byWorkflow.body.data[1]).toMatchObject({
      state: 'failed',
      workflow_id: fixture.workflowId,
      project_id: fixture.projectId,
      dataclip_id: first.dataclipId,
      runs: [{ id: first.runId, state: 'failed' }],
    });
    expect(byWorkflow.body.meta).toEqual({ page_size: 50, next_cursor: null });

    const byProject = await api(`/api/projects/${fixture.projectId}/work_orders`);
    expect(byProject.body.data.map((w: Json) => w.id)).toEqual([
      third.workOrderId,
      second.workOrderId,
      first.workOrderId,
    ]);
    const failedOrCrashed = await api(
      `/api/work_orders?project_id=${fixture.projectId}&state=failed&state=crashed`,
    );
    expect(failedOrCrashed.body.data.map((w: Json) => w.id)).toEqual([
      third.workOrderId,
      first.workOrderId,
    ]);
    const commaList = await api(
      `/api/work_orders?workflow_id=${fixture.workflowId}&state=pending,crashed`,
    );
    expect(commaList.body.data.map((w: Json) => w.id)).toEqual([second.workOrderId]);
  });

  it('pages by cursor without repeating or skipping, however the history grows meanwhile', async () => {
    const fixture = await createWorkflowFixture(db);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.unshift((await enqueueRun(db, fixture)).workOrderId);
    // Same insertion time for two of them: the id breaks the tie.
    await db.execute(sql`UPDATE work_orders SET inserted_at = '2026-01-01T00:00:00Z'
                         WHERE id IN (${ids[3]}, ${ids[4]})`);
    const expected = (
      await queryRows<{ id: string }>(
        db,
        sql`SELECT id FROM work_orders WHERE workflow_id = ${fixture.workflowId}
            ORDER BY inserted_at DESC, id DESC`,
      )
    ).map((row) => row.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await api(
        `/api/work_orders?workflow_id=${fixture.workflowId}&page_size=3${query}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((w: Json) => w.id));
      cursor = page.body.meta.next_cursor;
      pages++;
      // New work arriving between pages lands before the first page, never inside later ones.
      await enqueueRun(db, fixture);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
  });

  it('filters by insertion and last-activity time and by text in the input body', async () => {
    const fixture = await createWorkflowFixture(db);
    const old = await enqueueRun(db, fixture, {
      dataclip: { projectId: fixture.projectId, type: 'http_request', body: { name: 'Ada 50%' } },
    });
    const recent = await enqueueRun(db, fixture, {
      dataclip: { projectId: fixture.projectId, type: 'http_request', body: { name: 'Grace' } },
    });
    await db.execute(sql`UPDATE work_orders SET inserted_at = '2025-01-01T00:00:00Z',
                           last_activity = '2025-01-02T00:00:00Z' WHERE id = ${old.workOrderId}`);
    const list = async (query: string) =>
      (await api(`/api/work_orders?workflow_id=${fixture.workflowId}&${query}`)).body.data.map(
        (w: Json) => w.id,
      );
    expect(await list('inserted_before=2025-06-01T00:00:00Z')).toEqual([old.workOrderId]);
    expect(await list('inserted_after=2025-06-01T00:00:00Z')).toEqual([recent.workOrderId]);
    expect(await list('last_activity_before=2025-01-02T00:00:01Z')).toEqual([old.workOrderId]);
    expect(await list('last_activity_after=2025-01-02T00:00:01Z')).toEqual([recent.workOrderId]);
    expect(await list('search=grace')).toEqual([recent.workOrderId]);
    // LIKE wildcards in the text match themselves.
    expect(await list('search=50%25')).toEqual([old.workOrderId]);
    expect(await list('search=_')).toEqual([]);
  });

  it('answers 400 naming each malformed parameter', async () => {
    const cases: [string, string][] = [
      ['state=bogus', 'state'],
      ['page_size=0', 'page_size'],
      ['page_size=ten', 'page_size'],
      ['inserted_after=yesterday', 'inserted_after'],
      ['last_activity_before=2026-13-45', 'last_activity_before'],
      ['workflow_id=42', 'workflow_id'],
      ['cursor=not-a-cursor', 'cursor'],
      ['status=failed', 'status'],
    ];
    for (const [query, param] of cases) {
      const response = await api(`/api/work_orders?${query}`);
      expect(response.status, query).toBe(400);
      expect(Object.keys(response.body.errors), query).toEqual([param]);
    }
  });
});

describe('showing history', () => {
  it('shows a work order with its runs, and a run with its steps', async () => {
    const fixture = await createWorkflowFixture(db);
    const run = await finishedRun(fixture);
    const workOrder = await api(`/api/work_orders/${run.workOrderId}`);
    expect(workOrder.status).toBe(200);
    expect(workOrder.body.data).toMatchObject({
      id: run.workOrderId,
      state: 'failed',
      runs: [{ id: run.runId, state: 'failed', queue: 'default', priority: 1 }],
    });

    const shown = await api(`/api/runs/${run.runId}`);
    expect(shown.status).toBe(200);
    expect(shown.body.data).toMatchObject({
      id: run.runId,
      work_order_id: run.workOrderId,
      state: 'failed',
      duration_ms: 3000,
      steps: [
        {
          id: run.stepA,
          job_name: 'a',
          state: 'success',
          duration_ms: 1250,
          input_dataclip_id: run.dataclipId,
          output_dataclip_id: run.outputA,
        },
        {
          id: run.stepB,
          job_name: 'b',
          state: 'fail',
          error_type: 'JobError',
          error_message: 'b failed',
          duration_ms: 500,
          started_at: '2026-11-27T00:00:02.000000Z',
        },
      ],
    });
  });

  it('pages log lines by cursor and filters them by level', async () => {
    const fixture = await createWorkflowFixture(db);
    const run = await finishedRun(fixture);
    const first = await api(`/api/runs/${run.runId}/log_lines?page_size=2`);
    expect(first.body.data.map((l: Json) => l.message)).toEqual(['line 0', 'line 1']);
    expect(first.body.data[0]).toMatchObject({
      level: 'info',
      step_id: run.stepA,
      timestamp: '2026-11-27T00:00:00.000000Z',
    });
    const second = await api(
      `/api/runs/${run.runId}/log_lines?page_size=2&cursor=${first.body.meta.next_cursor}`,
    );
    expect(second.body.data.map((l: Json) => l.message)).toEqual(['line 2', 'line 3']);
    const errors = await api(`/api/runs/${run.runId}/log_lines?level=error,debug`);
    expect(errors.body.data.map((l: Json) => l.message)).toEqual(['line 1', 'line 2']);
    expect((await api(`/api/runs/${run.runId}/log_lines?level=loud`)).body.errors).toHaveProperty(
      'level',
    );
  });

  it('shows a dataclip with its body, and says when it was wiped', async () => {
    const fixture = await createWorkflowFixture(db);
    const run = await finishedRun(fixture, { patient: 7 });
    const shown = await api(`/api/dataclips/${run.dataclipId}`);
    expect(shown.body.data).toMatchObject({
      id: run.dataclipId,
      type: 'http_request',
      body: { patient: 7 },
      wiped: false,
      wiped_at: null,
    });
    await db.execute(sql`UPDATE dataclips SET body = NULL, wiped_at = now()
                         WHERE id = ${run.dataclipId}`);
    const wiped = await api(`/api/dataclips/${run.dataclipId}`);
    expect(wiped.body.data).toMatchObject({ body: null, wiped: true });
    expect(wiped.body.data.wiped_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('answers 404 for unknown and malformed ids', async () => {
    const unknown = randomUUID();
    for (const path of [
      `/api/work_orders/${unknown}`,
      '/api/work_orders/42',
      `/api/runs/${unknown}`,
      '/api/runs/nope',
      `/api/runs/${unknown}/log_lines`,
      `/api/dataclips/${unknown}`,
      `/api/projects/${unknown}/work_orders`,
    ]) {
      const response = await api(path);
      expect(response.status, path).toBe(404);
      expect(response.body.error, path).toMatch(/not found/);
    }
    expect((await api(`/api/runs/${unknown}/retry`, { method: 'POST', json: {} })).status).toBe(
      404,
    );
    expect((await api(`/api/runs/${unknown}/cancel`, { method: 'POST' })).status).toBe(404);
  });
});

describe('retrying', () => {
  it('retries from a step: same work order and snapshot, that step’s job and input, manual queue', async () => {
    const fixture = await createWorkflowFixture(db);
    const run = await finishedRun(fixture);
    const response = await api(`/api/runs/${run.runId}/retry`, {
      method: 'POST',
      json: { step_id: run.stepB },
    });
    expect(response.status).toBe(201);
    expect(response.body.data.work_order_id).toBe(run.workOrderId);
    const [retry] = await queryRows<Record<string, unknown>>(
      db,
      sql`SELECT * FROM runs WHERE id = ${response.body.data.run_id}`,
    );
    expect(retry).toMatchObject({
      work_order_id: run.workOrderId,
      snapshot_id: fixture.snapshotId,
      starting_job_id: fixture.jobIds[1],
      starting_trigger_id: null,
      dataclip_id: run.outputA,
      state: 'available',
      priority: 0,
      queue: 'manual',
    });
    // Step a is upstream of b: it stays linked to the new run; b itself is executed again.
    const shown = await api(`/api/runs/${response.body.data.run_id}`);
    expect(shown.body.data.steps.map((s: Json) => s.id)).toEqual([run.stepA]);
    const workOrder = await api(`/api/work_orders/${run.workOrderId}`);
    expect(workOrder.body.data.state).toBe('pending');
    expect(workOrder.body.data.runs.map((r: Json) => r.state)).toEqual(['failed', 'available']);
    // A worker on the manual queue takes it.
    const claimed = await claim(db, {
      demand: 5,
      workerName: 'w',
      queues: ['manual'],
      perWorkflowLimit: 50,
    });
    expect(claimed.map((c) => c.id)).toContain(response.body.data.run_id);
  });

  it('retries from the start with the work order’s input', async () => {
    const fixture = await createWorkflowFixture(db);
    const run = await finishedRun(fixture);
    const response = await api(`/api/runs/${run.runId}/retry`, { method: 'POST' });
    expect(response.status).toBe(201);
    const [retry] = await queryRows<Record<string, unknown>>(
      db,
      sql`SELECT * FROM runs WHERE id = ${response.body.data.run_id}`,
    );
    expect(retry).toMatchObject({
      starting_trigger_id: fixture.triggerId,
      starting_job_id: null,
      dataclip_id: run.dataclipId,
      priority: 0,
      queue: 'manual',
    });
  });

  it('refuses with 422 when the input was wiped, or the step is not the run’s', async () => {
    const fixture = await createWorkflowFixture(db);
    const run = await finishedRun(fixture);
    await db.execute(
      sql`UPDATE dataclips SET body = NULL, wiped_at = now() WHERE id = ${run.outputA}`,
    );
    const wiped = await api(`/api/runs/${run.runId}/retry`, {
      method: 'POST',
      json: { step_id: run.stepB },
    });
    expect(wiped.status).toBe(422);
    expect(wiped.body.error).toMatch(/wiped/);
    expect(wiped.body.errors.step_id[0]).toMatch(/wiped/);
    const stranger = await api(`/api/runs/${run.runId}/retry`, {
      method: 'POST',
      json: { step_id: randomUUID() },
    });
    expect(stranger.status).toBe(422);
    expect(stranger.body.errors.step_id[0]).toMatch(/is not a step of run/);
    const malformed = await api(`/api/runs/${run.runId}/retry`, {
      method: 'POST',
      json: { step_id: 5, extra: true },
    });
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.errors).sort()).toEqual(['extra', 'step_id']);
    expect(await db.$count(schema.runs, sql`work_order_id = ${run.workOrderId}`)).toBe(1);
  });

  it('bulk retries a filtered set and reports what it could not retry', async () => {
    const fixture = await createWorkflowFixture(db);
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await finishedRun(fixture));
    const success = await enqueueRun(db, fixture);
    await setState(success.workOrderId, 'success');
    await db.execute(sql`UPDATE dataclips SET body = NULL, wiped_at = now()
                         WHERE id = ${runs[0]!.dataclipId}`);
    const response = await api('/api/work_orders/retry', {
      method: 'POST',
      json: { workflow_id: fixture.workflowId, state: ['failed'] },
    });
    expect(response.status).toBe(200);
    expect(response.body.data.retried.map((r: Json) => r.work_order_id).sort()).toEqual(
      runs
        .slice(1)
        .map((r) => r.workOrderId)
        .sort(),
    );
    expect(response.body.meta).toEqual({ next_cursor: null });
    expect(response.body.data.skipped).toEqual([
      { work_order_id: runs[0]!.workOrderId, error: expect.stringMatching(/wiped/) },
    ]);
    const pending = await api(`/api/work_orders?workflow_id=${fixture.workflowId}&state=pending`);
    expect(pending.body.data).toHaveLength(4);
    const refused = await api('/api/work_orders/retry', {
      method: 'POST',
      json: { state: 'failed' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toHaveProperty('workflow_id');
  });
});

describe('retryWorkOrders', () => {
  it('walks the filtered set in batches, each work order retried once', async () => {
    const fixture = await createWorkflowFixture(db);
    const failed = [];
    for (let i = 0; i < 5; i++) failed.push(await finishedRun(fixture));
    const result = await retryWorkOrders(
      db,
      { workflowId: fixture.workflowId, states: ['failed'] },
      { batchSize: 2 },
    );
    expect(result.skipped).toEqual([]);
    expect(result.retried.map((r) => r.work_order_id)).toEqual(
      failed.map((r) => r.workOrderId).reverse(),
    );
    expect(result.nextCursor).toBeNull();
    expect(await db.$count(schema.runs, sql`workflow_id = ${fixture.workflowId}`)).toBe(10);
  });

  it('stops at its limit with a cursor to go on from', async () => {
    const fixture = await createWorkflowFixture(db);
    const failed = [];
    for (let i = 0; i < 5; i++) failed.push(await finishedRun(fixture));
    const filter = { workflowId: fixture.workflowId, states: ['failed' as const] };
    const first = await retryWorkOrders(db, filter, { batchSize: 2, limit: 3 });
    expect(first.retried).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    const rest = await retryWorkOrders(db, filter, {
      batchSize: 2,
      limit: 3,
      after: decodeCursor(first.nextCursor!),
    });
    expect(rest.nextCursor).toBeNull();
    expect([...first.retried, ...rest.retried].map((r) => r.work_order_id)).toEqual(
      failed.map((r) => r.workOrderId).reverse(),
    );
  });
});

describe('cancelling', () => {
  it('cancels an available run and its work order follows', async () => {
    const fixture = await createWorkflowFixture(db);
    const created = await enqueueRun(db, fixture);
    const response = await api(`/api/runs/${created.runId}/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      id: created.runId,
      work_order_id: created.workOrderId,
      state: 'cancelled',
    });
    const workOrder = await api(`/api/work_orders/${created.workOrderId}`);
    expect(workOrder.body.data.state).toBe('cancelled');
    const again = await api(`/api/runs/${created.runId}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      state: 'cancelled',
      error: expect.stringMatching(/is cancelled/),
    });
  });

  it('never both cancels a run and hands it to a worker when both race', async () => {
    const fixture = await createWorkflowFixture(db);
    const created = [];
    for (let i = 0; i < 20; i++) created.push(await enqueueRun(db, fixture, { queue: 'race' }));
    const [cancels, claimed] = await Promise.all([
      Promise.allSettled(created.map((run) => cancelRun(db, run.runId))),
      Promise.all(
        [1, 2, 3, 4].map(() =>
          claim(db, { demand: 5, workerName: 'w', queues: ['race'], perWorkflowLimit: 50 }),
        ),
      ),
    ]);
    const claimedIds = new Set(claimed.flat().map((run) => run.id));
    const cancelledIds = new Set(
      cancels.flatMap((result) => (result.status === 'fulfilled' ? [result.value.id] : [])),
    );
    for (const result of cancels) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
    }
    const states = await queryRows<{ id: string; state: string }>(
      db,
      sql`SELECT id, state FROM runs WHERE workflow_id = ${fixture.workflowId}`,
    );
    for (const run of states) {
      expect(claimedIds.has(run.id) && cancelledIds.has(run.id), run.id).toBe(false);
      expect(run.state).toBe(cancelledIds.has(run.id) ? 'cancelled' : 'claimed');
    }
    expect(claimedIds.size + cancelledIds.size).toBe(20);
  });

  it('refuses a run a worker already claimed, saying its state', async () => {
    const fixture = await createWorkflowFixture(db);
    const created = await enqueueRun(db, fixture);
    await db.execute(sql`UPDATE runs SET state = 'claimed', claimed_at = now()
                         WHERE id = ${created.runId}`);
    const response = await api(`/api/runs/${created.runId}/cancel`, { method: 'POST' });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      state: 'claimed',
      error: expect.stringMatching(/claimed/),
    });
  });
});
