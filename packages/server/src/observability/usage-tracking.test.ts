// Usage tracking against a local collector (Lightning's `POST /api/metrics`) that refuses the
// first two submissions: reports for each missing day (USAGE_TRACKING_DAILY_BATCH_SIZE per pass),
// retried USAGE_TRACKING_RESUBMISSION_BATCH_SIZE at a time until accepted, in the version-2 shape
// with hashed ids (USAGE_TRACKING_UUIDS=cleartext adds them in clear), runs read in pages of
// USAGE_TRACKING_RUN_CHUNK_SIZE.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from '../runs/test-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { startTestServer } from '../test-support/server.js';
import { generateUsageReport, hashUuid, type UsageReport } from './usage-report.js';
import {
  ensureUsageConfiguration,
  generateMissingReports,
  submitPendingReports,
  type UsageTrackingOptions,
} from './usage-tracking.js';

let database: TestDatabase;
let db: Database;
let collector: Server;
let collectorUrl: string;
const received: Array<{ path: string; type: string | undefined; body: UsageReport }> = [];
let refusals = 2;

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const at = (offset: number, time = '12:00:00') => `${day(offset)}T${time}Z`;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  collector = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      path: request.url ?? '',
      type: request.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString()),
    });
    // The collector is down for the first two submissions, then accepts.
    if (refusals > 0) {
      refusals -= 1;
      response.writeHead(503).end('unavailable');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => collector?.close(resolve));
  await database?.close();
});

function options(overrides: Partial<UsageTrackingOptions> = {}): UsageTrackingOptions {
  return {
    db,
    logger: createLogger('silent'),
    host: collectorUrl,
    dailyBatchSize: 10,
    resubmissionBatchSize: 10,
    runChunkSize: 100,
    uuids: 'hashed_only',
    ...overrides,
  };
}

/** A finished run of the fixture's workflow with steps of the given jobs. */
async function finishedRun(fixture: WorkflowFixture, finishedAt: string, jobIds: string[]) {
  const { runId, dataclipId } = await enqueueRun(db, fixture);
  for (const jobId of jobIds) {
    const stepId = randomUUID();
    await db.insert(schema.steps).values({ id: stepId, jobId, inputDataclipId: dataclipId });
    await db.insert(schema.runSteps).values({ runId, stepId });
  }
  await db.execute(sql`UPDATE runs SET state = 'success', claimed_at = ${finishedAt},
                         started_at = ${finishedAt}, finished_at = ${finishedAt}
                       WHERE id = ${runId}`);
}

let fixture: WorkflowFixture;
let activeUserId: string;

beforeAll(async () => {
  fixture = await createWorkflowFixture(db);
  // A second workflow in the same project, without runs.
  await createWorkflowFixture(db, { projectId: fixture.projectId });
  // Two users, members of the project; one signed in yesterday (active), one never.
  activeUserId = randomUUID();
  const idleUserId = randomUUID();
  for (const id of [activeUserId, idleUserId]) {
    await db.insert(schema.users).values({ id, firstName: 'U', email: `${id}@example.com` });
    await db
      .insert(schema.projectUsers)
      .values({ projectId: fixture.projectId, userId: id, role: 'editor' });
  }
  await db.insert(schema.userTokens).values({
    userId: activeUserId,
    tokenHash: randomBytes(32),
    context: 'session',
    insertedAt: at(-1, '08:00:00'),
  });
  // Everything existed ten days ago.
  for (const table of ['users', 'projects', 'project_users', 'workflows', 'jobs']) {
    await db.execute(sql`UPDATE ${sql.identifier(table)} SET inserted_at = ${at(-10)}`);
  }
  // Yesterday: two runs (steps of both jobs, then of the first); the day before: one run.
  await finishedRun(fixture, at(-1, '09:00:00'), [fixture.jobIds[0], fixture.jobIds[1]]);
  await finishedRun(fixture, at(-1, '23:59:59'), [fixture.jobIds[0]]);
  await finishedRun(fixture, at(-2), [fixture.jobIds[0]]);
  // Today: not in any report yet.
  await finishedRun(fixture, new Date().toISOString(), [fixture.jobIds[0]]);
});

it('builds the version-2 report of a day: counts and hashed ids only', async () => {
  const { instanceId } = await ensureUsageConfiguration(db, new Date());
  const report = await generateUsageReport(db, day(-1), {
    uuids: 'hashed_only',
    runChunkSize: 1,
    instanceId,
    version: '0.1.0',
  });
  expect(report).toMatchObject({
    report_date: day(-1),
    version: '2',
    instance: {
      hashed_uuid: hashUuid(instanceId),
      cleartext_uuid: null,
      no_of_users: 2,
      no_of_active_users: 1,
      operating_system: 'linux',
      version: '0.1.0',
    },
  });
  expect(hashUuid(instanceId)).toMatch(/^[0-9A-F]{64}$/);
  const project = report.projects.find((p) => p.hashed_uuid === hashUuid(fixture.projectId))!;
  expect(project).toMatchObject({ cleartext_uuid: null, no_of_users: 2, no_of_active_users: 1 });
  expect(project.workflows).toHaveLength(2);
  const busy = project.workflows.find((w) => w.hashed_uuid === hashUuid(fixture.workflowId))!;
  // Read one run per page (USAGE_TRACKING_RUN_CHUNK_SIZE=1): the same counts.
  expect(busy).toEqual({
    hashed_uuid: hashUuid(fixture.workflowId),
    cleartext_uuid: null,
    no_of_jobs: 2,
    no_of_active_jobs: 2,
    no_of_runs: 2,
    no_of_steps: 3,
  });
  const quiet = project.workflows.find((w) => w !== busy)!;
  expect(quiet).toMatchObject({ no_of_jobs: 2, no_of_active_jobs: 0, no_of_runs: 0 });
  // No id in clear, no name anywhere.
  const text = JSON.stringify(report);
  for (const secret of [
    instanceId,
    fixture.projectId,
    fixture.workflowId,
    'project-',
    'workflow-',
  ]) {
    expect(text).not.toContain(secret);
  }
  const twoDaysAgo = await generateUsageReport(db, day(-2), {
    uuids: 'hashed_only',
    runChunkSize: 100,
    instanceId,
    version: '0.1.0',
  });
  const earlier = twoDaysAgo.projects[0]!.workflows.find((w) => w.no_of_runs > 0)!;
  expect(earlier).toMatchObject({ no_of_runs: 1, no_of_steps: 1, no_of_active_jobs: 1 });
});

it('adds the ids in clear with USAGE_TRACKING_UUIDS=cleartext', async () => {
  const { instanceId } = await ensureUsageConfiguration(db, new Date());
  const report = await generateUsageReport(db, day(-1), {
    uuids: 'cleartext',
    runChunkSize: 100,
    instanceId,
    version: '0.1.0',
  });
  expect(report.instance).toMatchObject({
    hashed_uuid: hashUuid(instanceId),
    cleartext_uuid: instanceId,
  });
  const project = report.projects.find((p) => p.cleartext_uuid === fixture.projectId)!;
  expect(project.hashed_uuid).toBe(hashUuid(fixture.projectId));
  expect(project.workflows.map((w) => w.cleartext_uuid)).toContain(fixture.workflowId);
});

it('reports each missing day and retries refused submissions until the collector accepts', async () => {
  // Tracking began four days ago: the three days since, up to yesterday, are due.
  await db.execute(sql`UPDATE usage_tracking_configuration SET start_reporting_after = ${day(-4)}`);
  // USAGE_TRACKING_DAILY_BATCH_SIZE=2: two days this pass, the last one the next.
  expect(await generateMissingReports(options({ dailyBatchSize: 2 }))).toEqual([day(-3), day(-2)]);
  expect(await generateMissingReports(options({ dailyBatchSize: 2 }))).toEqual([day(-1)]);
  expect(await generateMissingReports(options({ dailyBatchSize: 2 }))).toEqual([]);

  // USAGE_TRACKING_RESUBMISSION_BATCH_SIZE=2: the two oldest; the collector refuses both.
  expect(await submitPendingReports(options({ resubmissionBatchSize: 2 }))).toEqual({
    submitted: [],
    failed: [day(-3), day(-2)],
  });
  expect(await submitPendingReports(options({ resubmissionBatchSize: 2 }))).toEqual({
    submitted: [day(-3), day(-2)],
    failed: [],
  });
  expect(await submitPendingReports(options({ resubmissionBatchSize: 2 }))).toEqual({
    submitted: [day(-1)],
    failed: [],
  });
  expect(await submitPendingReports(options())).toEqual({ submitted: [], failed: [] });

  expect(received.map((r) => r.body.report_date)).toEqual([
    day(-3),
    day(-2),
    day(-3),
    day(-2),
    day(-1),
  ]);
  for (const request of received) {
    expect(request.path).toBe('/api/metrics');
    expect(request.type).toBe('application/json');
    expect(request.body.version).toBe('2');
  }
  const rows = await queryRows<{ report_date: string; submitted: boolean; attempts: number }>(
    db,
    sql`SELECT report_date, submitted, attempts FROM usage_tracking_reports ORDER BY report_date`,
  );
  expect(rows).toEqual([
    { report_date: day(-3), submitted: true, attempts: 2 },
    { report_date: day(-2), submitted: true, attempts: 2 },
    { report_date: day(-1), submitted: true, attempts: 1 },
  ]);
  // What was accepted for yesterday is the day's report.
  const yesterday = received.at(-1)!.body;
  const busy = yesterday.projects
    .flatMap((p) => p.workflows)
    .find((w) => w.hashed_uuid === hashUuid(fixture.workflowId))!;
  expect(busy).toMatchObject({ no_of_runs: 2, no_of_steps: 3 });
});

it('leaves a report to the node that leased it', async () => {
  await db.execute(sql`INSERT INTO usage_tracking_reports (report_date, data, lease_until)
                       VALUES ('2020-01-01', '{}', now() + interval '1 minute')`);
  expect(await submitPendingReports(options())).toEqual({ submitted: [], failed: [] });
  await db.execute(sql`DELETE FROM usage_tracking_reports WHERE report_date = '2020-01-01'`);
});

describe('USAGE_TRACKING_ENABLED', () => {
  async function startLog(env: Record<string, string>): Promise<string> {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const server = await startTestServer(
      { LOG_LEVEL: 'info', ...env },
      {
        logDestination: destination,
      },
    );
    await server.close();
    return lines.join('');
  }

  it('is on by default and says at start what is sent to USAGE_TRACKER_HOST and how to stop it', async () => {
    const log = await startLog({ USAGE_TRACKER_HOST: 'http://collector.example:8080' });
    expect(log).toContain('Usage tracking is on');
    expect(log).toContain('http://collector.example:8080/api/metrics');
    expect(log).toContain('Set USAGE_TRACKING_ENABLED=false to turn it off');
    // A whole server start: slow on a busy machine.
  });

  it('sends nothing and says nothing with USAGE_TRACKING_ENABLED=false', async () => {
    const log = await startLog({ USAGE_TRACKING_ENABLED: 'false' });
    expect(log).toContain('Lightning server listening');
    expect(log).not.toContain('Usage tracking');
  });
});
