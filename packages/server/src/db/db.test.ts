import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../config/index.js';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseUrl,
} from '../test-support/database.js';
import {
  DatabaseUnreachableError,
  isTransientDatabaseError,
  migrateDatabase,
  openDatabase,
  queryRows,
  schema,
} from './index.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('database', () => {
  it('runs the migrations again without change (idempotent)', async () => {
    await migrateDatabase(database);
    await migrateDatabase(database);
    const tables = await queryRows<{ name: string }>(
      database.db,
      sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'users',
        'projects',
        'project_users',
        'workflows',
        'jobs',
        'triggers',
        'workflow_edges',
        'workflow_snapshots',
        'work_orders',
        'runs',
        'steps',
        'run_steps',
        'dataclips',
        'log_lines',
        'credentials',
        'project_credentials',
        'webhook_auth_methods',
        'trigger_webhook_auth_methods',
      ]),
    );
  });

  it('enforces the model constraints: run states, one source per edge, one owner per project', async () => {
    const { db } = database;
    const [project] = await db.insert(schema.projects).values({ name: 'constraints' }).returning();
    const [workflow] = await db
      .insert(schema.workflows)
      .values({ projectId: project!.id, name: 'wf' })
      .returning();
    const [a, b] = await db
      .insert(schema.jobs)
      .values([
        { workflowId: workflow!.id, name: 'a', body: 'fn(s => s)' },
        { workflowId: workflow!.id, name: 'b', body: 'fn(s => s)' },
      ])
      .returning();
    const [trigger] = await db
      .insert(schema.triggers)
      .values({ workflowId: workflow!.id })
      .returning();
    await expect(
      db.insert(schema.workflowEdges).values({
        workflowId: workflow!.id,
        sourceJobId: a!.id,
        sourceTriggerId: trigger!.id,
        targetJobId: b!.id,
      }),
    ).rejects.toThrow();
    await expect(
      db
        .insert(schema.workflowEdges)
        .values({ workflowId: workflow!.id, sourceJobId: a!.id, targetJobId: a!.id }),
    ).rejects.toThrow();
    await expect(
      db.insert(schema.workflowEdges).values({
        workflowId: workflow!.id,
        sourceJobId: a!.id,
        targetJobId: b!.id,
        conditionType: 'sometimes' as 'always',
      }),
    ).rejects.toThrow();

    const [snapshot] = await db
      .insert(schema.workflowSnapshots)
      .values({
        workflowId: workflow!.id,
        name: 'wf',
        lockVersion: 1,
        jobs: [],
        triggers: [],
        edges: [],
      })
      .returning();
    const [dataclip] = await db
      .insert(schema.dataclips)
      .values({
        projectId: project!.id,
        type: 'http_request',
        body: { a: 1 },
        request: { method: 'POST' },
      })
      .returning();
    const [workOrder] = await db
      .insert(schema.workOrders)
      .values({
        workflowId: workflow!.id,
        snapshotId: snapshot!.id,
        triggerId: trigger!.id,
        dataclipId: dataclip!.id,
      })
      .returning();
    const [run] = await db
      .insert(schema.runs)
      .values({
        workOrderId: workOrder!.id,
        workflowId: workflow!.id,
        snapshotId: snapshot!.id,
        startingTriggerId: trigger!.id,
        dataclipId: dataclip!.id,
      })
      .returning();
    expect(run!.state).toBe('available');
    expect(run!.queue).toBe('default');
    await expect(
      db.insert(schema.runs).values({
        workOrderId: workOrder!.id,
        workflowId: workflow!.id,
        snapshotId: snapshot!.id,
        state: 'bogus' as 'available',
        startingTriggerId: trigger!.id,
      }),
    ).rejects.toThrow();
    await expect(
      db.insert(schema.runs).values({
        workOrderId: workOrder!.id,
        workflowId: workflow!.id,
        snapshotId: snapshot!.id,
      }),
    ).rejects.toThrow();

    const [u1, u2] = await db
      .insert(schema.users)
      .values([
        { firstName: 'A', email: 'owner1@example.com' },
        { firstName: 'B', email: 'owner2@example.com' },
      ])
      .returning();
    await db
      .insert(schema.projectUsers)
      .values({ projectId: project!.id, userId: u1!.id, role: 'owner' });
    await expect(
      db
        .insert(schema.projectUsers)
        .values({ projectId: project!.id, userId: u2!.id, role: 'owner' }),
    ).rejects.toThrow();
    await expect(
      db.insert(schema.users).values({ firstName: 'C', email: 'OWNER1@example.com' }),
    ).rejects.toThrow();
  });

  it('keeps microsecond timestamps', async () => {
    const { db } = database;
    const [project] = await db.insert(schema.projects).values({ name: 'usec' }).returning();
    const [clip] = await db
      .insert(schema.dataclips)
      .values({
        projectId: project!.id,
        type: 'global',
        body: {},
        wipedAt: '2026-11-26T10:00:00.123456Z',
      })
      .returning();
    expect(new Date(clip!.wipedAt!).getTime()).toBe(Date.parse('2026-11-26T10:00:00.123Z'));
    expect(clip!.wipedAt).toMatch(/\.123456/);
  });
});

describe('transient database errors', () => {
  it('classifies connection loss and contention as transient, and bad SQL as permanent', () => {
    expect(
      isTransientDatabaseError(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe(true);
    expect(isTransientDatabaseError({ code: '08006', message: 'connection failure' })).toBe(true);
    expect(
      isTransientDatabaseError({
        code: '57P01',
        message: 'terminating connection due to administrator command',
      }),
    ).toBe(true);
    expect(isTransientDatabaseError({ code: '40001', message: 'could not serialize access' })).toBe(
      true,
    );
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDatabaseError(new Error('wrapped', { cause: { code: '53300' } }))).toBe(true);
    expect(isTransientDatabaseError({ code: '23505', message: 'duplicate key value' })).toBe(false);
    expect(isTransientDatabaseError({ code: '42P01', message: 'relation does not exist' })).toBe(
      false,
    );
    expect(isTransientDatabaseError(new Error('boom'))).toBe(false);
  });
});

describe('an unreachable database', () => {
  it('is retried for a bounded time with a message naming the host, then refused', async () => {
    const base = loadConfig({}).config;
    const retries: string[] = [];
    const started = Date.now();
    await expect(
      openDatabase(
        {
          ...base,
          database: {
            ...base.database,
            url: 'postgresql://lightning@127.0.0.1:1/lightning',
            connectTimeoutSeconds: 1,
          },
        },
        { onRetry: (message) => retries.push(message) },
      ),
    ).rejects.toThrow(DatabaseUnreachableError);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatch(/127\.0\.0\.1:1\/lightning/);
  });
});

describe('a PostgreSQL without SSL in production', () => {
  it.skipIf(!testDatabaseUrl())(
    'is refused with a message naming DISABLE_DB_SSL, and accepted with DISABLE_DB_SSL=true',
    async (context) => {
      // The PostgreSQL the tests run against is a local one without SSL; one with SSL proves nothing here.
      const probe = new pg.Client({ connectionString: testDatabaseUrl() });
      await probe.connect();
      const { rows } = await probe.query<{ ssl: string }>('SHOW ssl');
      await probe.end();
      if (rows[0]?.ssl === 'on') context.skip();

      const production = { NODE_ENV: 'production', DATABASE_URL: testDatabaseUrl()! };
      const refused = openDatabase(loadConfig(production, { purpose: 'tool' }).config);
      await expect(refused).rejects.toThrow(DatabaseUnreachableError);
      await expect(refused).rejects.toThrow(
        /does not support SSL connections\. Enable SSL on the database server, or set DISABLE_DB_SSL=true/,
      );

      const insecure = loadConfig({ ...production, DISABLE_DB_SSL: 'true' }, { purpose: 'tool' });
      const handle = await openDatabase(insecure.config);
      await handle.ping();
      await handle.close();
    },
  );
});
