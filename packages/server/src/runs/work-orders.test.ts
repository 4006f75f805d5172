import { eq } from 'drizzle-orm';
import { createLocalBus } from '../cluster/index.js';
import { schema } from '../db/index.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from './test-fixtures.js';
import { createWorkOrder } from './work-orders.js';

let database: TestDatabase;
let fixture: WorkflowFixture;

beforeAll(async () => {
  database = await createTestDatabase();
  fixture = await createWorkflowFixture(database.db);
});
afterAll(() => database?.close());

describe('createWorkOrder', () => {
  it('stores the dataclip, the work order and an available run together', async () => {
    const created = await enqueueRun(database.db, fixture, {
      dataclip: {
        projectId: fixture.projectId,
        type: 'http_request',
        body: { n: 1, configuration: { password: 'secret' } },
        request: { method: 'POST' },
      },
    });
    const [run] = await database.db
      .select()
      .from(schema.runs)
      .where(eq(schema.runs.id, created.runId));
    expect(run).toMatchObject({
      workOrderId: created.workOrderId,
      workflowId: fixture.workflowId,
      snapshotId: fixture.snapshotId,
      dataclipId: created.dataclipId,
      state: 'available',
      priority: 1,
      queue: 'default',
      startingTriggerId: fixture.triggerId,
    });
    const [workOrder] = await database.db
      .select()
      .from(schema.workOrders)
      .where(eq(schema.workOrders.id, created.workOrderId));
    expect(workOrder).toMatchObject({ state: 'pending', triggerId: fixture.triggerId });
    const [dataclip] = await database.db
      .select()
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, created.dataclipId));
    // The credential key never reaches a stored dataclip.
    expect(dataclip).toMatchObject({ body: { n: 1 }, request: { method: 'POST' } });
  });

  it('stores nothing when one of the rows is refused', async () => {
    const before = await database.db.$count(schema.workOrders);
    await expect(
      enqueueRun(database.db, fixture, { snapshotId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toThrow();
    expect(await database.db.$count(schema.workOrders)).toBe(before);
    expect(await database.db.$count(schema.dataclips)).toBe(await database.db.$count(schema.runs));
  });

  it('reuses an existing dataclip and honours priority and queue', async () => {
    const first = await enqueueRun(database.db, fixture);
    const retry = await createWorkOrder(database.db, {
      workflowId: fixture.workflowId,
      snapshotId: fixture.snapshotId,
      startingJobId: fixture.jobIds[0],
      dataclip: { id: first.dataclipId },
      priority: 'immediate',
      queue: 'manual',
    });
    expect(retry.dataclipId).toBe(first.dataclipId);
    const [run] = await database.db
      .select()
      .from(schema.runs)
      .where(eq(schema.runs.id, retry.runId));
    expect(run).toMatchObject({ priority: 0, queue: 'manual', startingJobId: fixture.jobIds[0] });
  });

  it('publishes run_available after the commit', async () => {
    const bus = createLocalBus();
    const events: unknown[] = [];
    bus.subscribe((event) => events.push(event));
    const created = await enqueueRun(database.db, fixture, { queue: 'manual' });
    expect(events).toEqual([]);
    const again = await createWorkOrder(
      database.db,
      {
        workflowId: fixture.workflowId,
        snapshotId: fixture.snapshotId,
        startingTriggerId: fixture.triggerId,
        dataclip: { id: created.dataclipId },
      },
      { bus },
    );
    expect(events).toEqual([
      {
        type: 'run_available',
        runId: again.runId,
        workflowId: fixture.workflowId,
        queue: 'default',
      },
    ]);
  });

  it('refuses a run with both or neither starting node', async () => {
    await expect(
      enqueueRun(database.db, fixture, { startingJobId: fixture.jobIds[0] }),
    ).rejects.toThrow(/exactly one/);
  });
});
