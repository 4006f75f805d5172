// The events a worker reports for a run, stored through the runs context (what the socket does
// after validating each payload).
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { createVault } from '../vault/index.js';
import { claim } from './claim.js';
import { RunEventError } from './errors.js';
import { fetchRunCredential, fetchRunDataclip } from './fetches.js';
import { appendLogs } from './logs.js';
import { markLostRuns } from './lost-runs.js';
import { buildRunPlan } from './plan.js';
import { completeRun, startRun } from './run-lifecycle.js';
import { getRun } from './show.js';
import { completeStep, startStep } from './steps.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from './test-fixtures.js';
import { microsToIso } from './timestamps.js';

let database: TestDatabase;
let db: Database;
let fixture: WorkflowFixture;
const vault = createVault({ primary: Buffer.alloc(32, 7) });
const limits = { maxRunDurationSeconds: 300, maxRunMemoryMb: 500, maxDataclipSizeMb: 1 };
const T0 = 1_795_729_756_567_073n;
const ts = (offsetMs = 0) => (T0 + BigInt(offsetMs) * 1000n).toString();

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  fixture = await createWorkflowFixture(db, {
    credentialBody: { username: 'u', password: 'p' },
    vault,
  });
});
afterAll(() => database?.close());

/** A fresh run of the fixture, claimed. */
async function claimedRun() {
  await db.execute(sql`UPDATE runs SET state = 'cancelled' WHERE state = 'available'`);
  const created = await enqueueRun(db, fixture);
  const [run] = await claim(db, { demand: 1, workerName: 'w', perWorkflowLimit: 50 });
  expect(run?.id).toBe(created.runId);
  return created;
}

const state = async (table: 'runs' | 'work_orders', id: string) => {
  const [row] = await queryRows<{ state: string }>(
    db,
    sql`SELECT state FROM ${sql.identifier(table)} WHERE id = ${id}`,
  );
  return row?.state;
};

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunEventError);
  return (error as RunEventError).response;
};

describe('a run from start to finish', () => {
  it('stores steps, output dataclips, logs and the final states', async () => {
    const { runId, workOrderId, dataclipId } = await claimedRun();
    expect(await startRun(db, runId, { timestamp: ts() })).toMatchObject({ changed: true });
    expect(await state('runs', runId)).toBe('started');
    expect(await state('work_orders', workOrderId)).toBe('running');

    const stepA = randomUUID();
    const outputA = randomUUID();
    await startStep(db, runId, {
      step_id: stepA,
      job_id: fixture.jobIds[0],
      input_dataclip_id: dataclipId,
      timestamp: ts(1),
    });
    await appendLogs(db, runId, [
      {
        message: ['fetched', { count: 3 }],
        level: 'info',
        source: 'JOB',
        step_id: stepA,
        timestamp: ts(2),
      },
      { message: 'no step\u0000', level: 'debug', source: 'R/T', timestamp: ts(3) },
    ]);
    await completeStep(
      db,
      runId,
      {
        step_id: stepA,
        job_id: fixture.jobIds[0],
        reason: 'success',
        output_dataclip_id: outputA,
        output_dataclip: JSON.stringify({ data: { a: true }, configuration: { password: 'x' } }),
        timestamp: ts(4),
      },
      limits,
    );
    const stepB = randomUUID();
    await startStep(db, runId, {
      step_id: stepB,
      job_id: fixture.jobIds[1],
      input_dataclip_id: outputA,
    });
    await completeStep(
      db,
      runId,
      {
        step_id: stepB,
        reason: 'fail',
        error_type: 'JobError',
        error_message: 'boom',
        output_dataclip_id: randomUUID(),
      },
      limits,
    );
    expect(
      await completeRun(db, runId, { reason: 'fail', error_type: 'JobError', timestamp: ts(9) }),
    ).toMatchObject({ state: 'failed', changed: true });

    expect(await state('runs', runId)).toBe('failed');
    expect(await state('work_orders', workOrderId)).toBe('failed');
    const steps = await db.select().from(schema.steps).where(eq(schema.steps.id, stepA));
    expect(steps[0]).toMatchObject({
      jobId: fixture.jobIds[0],
      exitReason: 'success',
      inputDataclipId: dataclipId,
      outputDataclipId: outputA,
      credentialId: fixture.credentialId,
    });
    // Microseconds survive the round trip.
    const [times] = await queryRows<{ started: string }>(
      db,
      sql`SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started
          FROM steps WHERE id = ${stepA}`,
    );
    expect(times!.started).toBe(microsToIso(ts(1)));
    const [output] = await db
      .select()
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, outputA));
    expect(output).toMatchObject({ type: 'step_result', body: { data: { a: true } } });
    const logs = await db
      .select()
      .from(schema.logLines)
      .where(eq(schema.logLines.runId, runId))
      .orderBy(schema.logLines.timestamp);
    expect(logs.map((line) => [line.message, line.stepId, line.level])).toEqual([
      ['fetched {"count":3}', stepA, 'info'],
      ['no step', null, 'debug'],
    ]);
  });

  it('acknowledges exact repeats without storing twice', async () => {
    const { runId } = await claimedRun();
    await startRun(db, runId, {});
    expect(await startRun(db, runId, {})).toMatchObject({ changed: false });
    const step = { step_id: randomUUID(), job_id: fixture.jobIds[0] };
    await startStep(db, runId, step);
    expect(await startStep(db, runId, step)).toMatchObject({ changed: false });
    const done = {
      ...step,
      reason: 'success' as const,
      output_dataclip_id: randomUUID(),
      output_dataclip: '{"x":1}',
    };
    await completeStep(db, runId, done, limits);
    expect(await completeStep(db, runId, done, limits)).toMatchObject({ changed: false });
    await completeRun(db, runId, { reason: 'success' });
    expect(await completeRun(db, runId, { reason: 'success' })).toMatchObject({ changed: false });
    const [counts] = await queryRows<{ steps: number }>(
      db,
      sql`SELECT count(*)::int AS steps FROM run_steps WHERE run_id = ${runId}`,
    );
    expect(counts!.steps).toBe(1);
  });

  it('refuses conflicting, out-of-order and late events, storing nothing', async () => {
    const { runId } = await claimedRun();
    expect(
      await refusal(completeStep(db, runId, { step_id: randomUUID(), reason: 'success' }, limits)),
    ).toEqual({ errors: { step_id: ['not found in this run'] } });
    expect(
      await refusal(startStep(db, runId, { step_id: randomUUID(), job_id: randomUUID() })),
    ).toEqual({ errors: { job_id: ['does not exist in the workflow snapshot of this run'] } });
    expect(
      await refusal(
        appendLogs(db, runId, [{ message: 'x', step_id: randomUUID(), timestamp: ts() }]),
      ),
    ).toMatchObject({ errors: { step_id: [expect.stringMatching(/not a step of this run/)] } });
    const big = JSON.stringify({ data: 'x'.repeat(1_000_001) });
    const stepId = randomUUID();
    await startStep(db, runId, { step_id: stepId, job_id: fixture.jobIds[0] });
    expect(
      await refusal(
        completeStep(
          db,
          runId,
          {
            step_id: stepId,
            reason: 'success',
            output_dataclip_id: randomUUID(),
            output_dataclip: big,
          },
          limits,
        ),
      ),
    ).toMatchObject({
      errors: { output_dataclip: [expect.stringMatching(/MAX_DATACLIP_SIZE_MB/)] },
    });

    await completeRun(db, runId, { reason: 'success' });
    expect(await refusal(completeRun(db, runId, { reason: 'crash' }))).toEqual({
      errors: { state: ['already in completed state (success)'] },
    });
    expect(await refusal(appendLogs(db, runId, [{ message: 'late', timestamp: ts() }]))).toEqual({
      errors: { state: ['already in completed state (success)'] },
    });
    expect(await refusal(startRun(db, randomUUID(), {}))).toEqual({
      errors: { run_id: ['not found'] },
    });
  });
});

describe('what a worker fetches', () => {
  it('builds the plan from the snapshot, not the live workflow', async () => {
    const { runId, dataclipId } = await claimedRun();
    await db
      .update(schema.jobs)
      .set({ body: 'changed live' })
      .where(eq(schema.jobs.id, fixture.jobIds[0]));
    const plan = await buildRunPlan(db, runId, limits);
    expect(plan).toEqual({
      id: runId,
      name: expect.any(String),
      project_id: fixture.projectId,
      dataclip_id: dataclipId,
      starting_node_id: fixture.triggerId,
      triggers: [{ id: fixture.triggerId, type: 'webhook' }],
      jobs: [
        {
          id: fixture.jobIds[0],
          name: 'a',
          body: 'fn(state => ({ ...state, a: true }))',
          adaptor: '@openfn/language-common@3.3.4',
          credential_id: fixture.credentialId,
        },
        {
          id: fixture.jobIds[1],
          name: 'b',
          body: 'fn(state => state)',
          adaptor: '@openfn/language-common@3.3.4',
          credential_id: null,
        },
      ],
      edges: [
        {
          id: fixture.edgeIds[0],
          source_trigger_id: fixture.triggerId,
          target_job_id: fixture.jobIds[0],
          condition: 'always',
          enabled: true,
        },
        {
          id: fixture.edgeIds[1],
          source_job_id: fixture.jobIds[0],
          target_job_id: fixture.jobIds[1],
          condition: 'state.a === true',
          enabled: true,
        },
      ],
      options: {
        run_timeout_ms: 300_000,
        run_memory_limit_mb: 500,
        payload_limit_mb: 1,
        output_dataclips: true,
      },
    });
    expect(await buildRunPlan(db, randomUUID(), limits)).toBeNull();
  });

  it('serves the input dataclip with its request, as JSON text', async () => {
    const { runId } = await claimedRun();
    const text = await fetchRunDataclip(db, runId);
    expect(JSON.parse(text!)).toEqual({
      data: { n: 1 },
      request: { method: 'POST', path: ['i', fixture.triggerId], headers: {} },
    });
  });

  it('serves a credential only to runs whose snapshot uses it', async () => {
    const { runId } = await claimedRun();
    expect(await fetchRunCredential(db, vault, runId, fixture.credentialId!)).toEqual({
      username: 'u',
      password: 'p',
    });
    const other = await createWorkflowFixture(db, { credentialBody: { token: 't' }, vault });
    expect(await refusal(fetchRunCredential(db, vault, runId, other.credentialId!))).toEqual({
      errors: { id: ['Credential not found!'] },
    });
  });
});

describe('markLostRuns', () => {
  it('marks runs lost after their timeout plus grace, with open steps and work orders', async () => {
    const claimedOnly = await claimedRun();
    const started = await claimedRun();
    await startRun(db, started.runId, {});
    const stepId = randomUUID();
    await startStep(db, started.runId, { step_id: stepId, job_id: fixture.jobIds[0] });
    const options = { maxRunDurationSeconds: 300, runGracePeriodSeconds: 10 };

    const early = await markLostRuns(db, { ...options, now: new Date(Date.now() + 305_000) });
    expect(early.runs.map((run) => run.id)).not.toContain(started.runId);
    const sweep = await markLostRuns(db, { ...options, now: new Date(Date.now() + 311_000) });
    expect(sweep.swept).toBe(true);
    const byId = new Map(sweep.runs.map((run) => [run.id, run.errorType]));
    expect(byId.get(claimedOnly.runId)).toBe('LostAfterClaim');
    expect(byId.get(started.runId)).toBe('LostAfterStart');
    expect(await state('runs', started.runId)).toBe('lost');
    expect(await state('work_orders', started.workOrderId)).toBe('lost');
    const [step] = await db.select().from(schema.steps).where(eq(schema.steps.id, stepId));
    expect(step).toMatchObject({ exitReason: 'lost' });
    expect(step!.finishedAt).not.toBeNull();
  });

  it('spares a run past its timeout whose events are still arriving, until its worker is silent', async () => {
    const run = await claimedRun();
    await startRun(db, run.runId, {});
    // Started and claimed long ago: by time alone it would be lost (timeout 300 s + grace 10 s).
    await db.execute(sql`UPDATE runs SET started_at = now() - interval '400 seconds',
                                         claimed_at = now() - interval '401 seconds',
                                         last_event_at = NULL
                         WHERE id = ${run.runId}`);
    await appendLogs(db, run.runId, [{ message: 'still going', timestamp: ts() }]);
    const options = { maxRunDurationSeconds: 300, runGracePeriodSeconds: 10 };
    const alive = await markLostRuns(db, options);
    expect(alive.runs.map((r) => r.id)).not.toContain(run.runId);
    expect(await state('runs', run.runId)).toBe('started');

    // Silent for longer than the grace period (plus the stamp's 5 s of staleness): lost.
    await db.execute(sql`UPDATE runs SET last_event_at = now() - interval '16 seconds'
                         WHERE id = ${run.runId}`);
    const lost = await markLostRuns(db, options);
    expect(lost.runs.map((r) => r.id)).toContain(run.runId);
  });

  it('stamps last_event_at at most every 5 seconds, inside the event transactions', async () => {
    const run = await claimedRun();
    await startRun(db, run.runId, {});
    const stamp = async () => {
      const [row] = await queryRows<{ at: string }>(
        db,
        sql`SELECT last_event_at::text AS at FROM runs WHERE id = ${run.runId}`,
      );
      return row!.at;
    };
    await db.execute(sql`UPDATE runs SET last_event_at = now() - interval '2 seconds'
                         WHERE id = ${run.runId}`);
    const recent = await stamp();
    await appendLogs(db, run.runId, [{ message: 'a', timestamp: ts() }]);
    expect(await stamp()).toBe(recent);
    await db.execute(sql`UPDATE runs SET last_event_at = now() - interval '6 seconds'
                         WHERE id = ${run.runId}`);
    const stale = await stamp();
    const stepId = randomUUID();
    await startStep(db, run.runId, { step_id: stepId, job_id: fixture.jobIds[0] });
    expect(await stamp()).not.toBe(stale);
  });

  it('records the real outcome of a lost run whose worker reports late, and says so', async () => {
    const run = await claimedRun();
    await startRun(db, run.runId, {});
    const stepId = randomUUID();
    await startStep(db, run.runId, { step_id: stepId, job_id: fixture.jobIds[0] });
    const options = { maxRunDurationSeconds: 300, runGracePeriodSeconds: 10 };
    const sweep = await markLostRuns(db, { ...options, now: new Date(Date.now() + 400_000) });
    expect(sweep.runs.map((r) => r.id)).toContain(run.runId);
    expect(await state('runs', run.runId)).toBe('lost');

    // The worker was alive after all: its last logs, the step and the run's end arrive.
    await appendLogs(db, run.runId, [{ message: 'late line', step_id: stepId, timestamp: ts() }]);
    await completeStep(
      db,
      run.runId,
      { step_id: stepId, reason: 'success', timestamp: ts(1) },
      limits,
    );
    const change = await completeRun(db, run.runId, { reason: 'success', timestamp: ts(2) });
    expect(change).toMatchObject({ state: 'success', changed: true });
    expect(await state('runs', run.runId)).toBe('success');
    expect(await state('work_orders', run.workOrderId)).toBe('success');
    const [stored] = await db.select().from(schema.runs).where(eq(schema.runs.id, run.runId));
    expect(stored).toMatchObject({ state: 'success', errorType: null });
    expect(stored!.lostAt).not.toBeNull();
    expect((await getRun(db, run.runId))?.lost_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const [step] = await db.select().from(schema.steps).where(eq(schema.steps.id, stepId));
    expect(step).toMatchObject({ exitReason: 'success' });
    const lines = await db
      .select()
      .from(schema.logLines)
      .where(eq(schema.logLines.runId, run.runId));
    expect(lines.map((line) => line.message)).toContain('late line');
    expect(lines.find((line) => line.source === 'LTN')?.message).toMatch(
      /marked lost at .* \(LostAfterStart\).* ended as success/,
    );
    const audit = await db
      .select()
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.itemId, run.runId));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      event: 'late_event_correction',
      itemType: 'run',
      actorType: 'system',
      projectId: fixture.projectId,
      changes: {
        before: { state: 'lost', error_type: 'LostAfterStart' },
        after: { state: 'success', error_type: null },
      },
    });

    // Once corrected the run is finished like any other: later events are refused.
    expect(await refusal(completeRun(db, run.runId, { reason: 'crash' }))).toEqual({
      errors: { state: ['already in completed state (success)'] },
    });
    expect(
      await refusal(appendLogs(db, run.runId, [{ message: 'later', timestamp: ts() }])),
    ).toEqual({ errors: { state: ['already in completed state (success)'] } });
  });
});
