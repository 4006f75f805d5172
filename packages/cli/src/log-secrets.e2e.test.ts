// Issue 14, item 2: nothing a client sent reaches the logs. A real server (its pino output
// captured, at debug level) and a real `lightning worker` process go through failure paths with
// known secrets in a webhook body, a credential and request headers: a database write that fails
// (a CHECK constraint refuses the dataclip, so the statement carrying the secret errors), bodies
// that are refused, credentials that are refused, and a run whose job fails with the secrets in
// its error. Neither log may contain any of the secrets.
import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { schema } from '../../server/src/db/index.js';
import {
  createWorkflowFixture,
  type WorkflowFixture,
} from '../../server/src/runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-process.js';

const BODY_SECRET = 'body-secret-6f1c0e9a5b';
const CREDENTIAL_SECRET = 'credential-secret-93d2a7c41e';
const HEADER_SECRET = 'header-secret-0b8e4d2f77';
const SECRETS = [BODY_SECRET, CREDENTIAL_SECRET, HEADER_SECRET];

// Fails with both secrets in its error; or, asked for `nul`, ends with an output PostgreSQL cannot
// store (a NUL beside the secrets), so the server's write of the step's output fails.
const FAILING_JOB = `fn(state => {
  console.log('about to fail');
  if (state.data.mode === 'nul') {
    return { data: { secret: state.data.secret, password: state.configuration.password, nul: '\\u0000' } };
  }
  throw new Error('failed with ' + state.configuration.password + ' and ' + state.data.secret);
})`;

let server: TestServer;
let worker: WorkerProcess | undefined;
let fixture: WorkflowFixture;
let user: TestUser;
const serverLog: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      serverLog.push(String(chunk));
      done();
    },
  });
  server = await startTestServer({ LOG_LEVEL: 'debug' }, { logDestination: sink });
  const { db } = server.database;
  fixture = await createWorkflowFixture(db, {
    credentialBody: { username: 'service', password: CREDENTIAL_SECRET },
    vault: server.vault,
  });
  user = await createTestUser(db, { projects: { [fixture.projectId]: 'owner' } });
  // The first job fails, with both secrets in its error.
  await db
    .update(schema.jobs)
    .set({ body: FAILING_JOB })
    .where(eq(schema.jobs.id, fixture.jobIds[0]));
  await db.execute(
    sql`UPDATE workflow_snapshots SET jobs = jsonb_set(jobs, '{0,body}', to_jsonb(${FAILING_JOB}::text))
        WHERE id = ${fixture.snapshotId}`,
  );
  worker = await startWorkerProcess(server, {
    name: 'log-secrets',
    capacity: 1,
    env: { LOG_LEVEL: 'debug' },
  });
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

function webhook(body: string, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}/i/${fixture.triggerId}?token=${HEADER_SECRET}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-client-secret': HEADER_SECRET,
      authorization: `Bearer ${HEADER_SECRET}`,
      ...headers,
    },
    body,
  });
}

/** Waits for the run of a work order to end (the worker reports it), however long that takes. */
async function finishedRun(workOrderId: string): Promise<{ state: string }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [run] = await server.database.db
      .select({ state: schema.runs.state })
      .from(schema.runs)
      .where(eq(schema.runs.workOrderId, workOrderId));
    if (run && !['available', 'claimed', 'started'].includes(run.state)) return run;
    if (Date.now() > deadline) throw new Error(`run of ${workOrderId} still ${run?.state}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function expectNoSecretIn(log: string, which: string) {
  for (const secret of SECRETS) {
    const at = log.indexOf(secret);
    expect(
      at,
      `${which} log contains a secret: …${log.slice(Math.max(0, at - 300), at + 60)}…`,
    ).toBe(-1);
  }
}

describe('secrets never reach the logs', () => {
  it('a failing database write logs the operation and code, not the body or headers', async () => {
    const { db } = server.database;
    await db.execute(
      sql.raw(`ALTER TABLE dataclips ADD CONSTRAINT log_secrets_probe
               CHECK (body::text NOT LIKE '%refuse-this-dataclip%')`),
    );
    try {
      const refused = await webhook(
        JSON.stringify({ secret: BODY_SECRET, marker: 'refuse-this-dataclip' }),
      );
      expect(refused.status).toBe(500);
    } finally {
      await db.execute(sql.raw('ALTER TABLE dataclips DROP CONSTRAINT log_secrets_probe'));
    }
    const line = serverLog.find((entry) => entry.includes('"unhandled error"'));
    expect(line, 'the failure is logged').toBeDefined();
    expect(JSON.parse(line!).err).toMatchObject({
      type: 'DatabaseError',
      code: '23514',
      operation: 'insert into dataclips',
    });
  });

  it('refused bodies, credentials and sign-ins log nothing the client sent', async () => {
    expect((await webhook(`{"secret":"${BODY_SECRET}\\u0000"}`)).status).toBe(400);
    expect((await webhook(`{"secret":"${BODY_SECRET}"`)).status).toBe(400);
    expect(
      (await webhook(`{"secret":"${BODY_SECRET}"}`, { 'content-encoding': 'gzip' })).status,
    ).toBe(415);
    const credential = await fetch(`${server.baseUrl}/api/credentials`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bad\u0000name',
        schema: 'http',
        body: { password: CREDENTIAL_SECRET },
      }),
    });
    expect(credential.status).toBeGreaterThanOrEqual(400);
    expect(credential.status).toBeLessThan(500);
    const signIn = await fetch(`${server.baseUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `lightning_session=${HEADER_SECRET}` },
      body: JSON.stringify({ email: user.email, password: CREDENTIAL_SECRET }),
    });
    expect(signIn.status).toBe(401);
  });

  it('a run that fails with the secrets in its error leaves them out of both logs', async () => {
    const accepted = await webhook(JSON.stringify({ secret: BODY_SECRET }));
    expect(accepted.status).toBe(200);
    const { work_order_id: workOrderId } = (await accepted.json()) as { work_order_id: string };
    const run = await finishedRun(workOrderId);
    expect(run.state).not.toBe('success');
  });

  it('a run whose output the database refuses leaves the secrets out of both logs', async () => {
    const accepted = await webhook(JSON.stringify({ secret: BODY_SECRET, mode: 'nul' }));
    expect(accepted.status).toBe(200);
    const { work_order_id: workOrderId } = (await accepted.json()) as { work_order_id: string };
    await finishedRun(workOrderId);
    // The path this exercises: the step's output cannot be stored, and that failure is logged.
    const line = serverLog.find((entry) => entry.includes('"run event not stored"'));
    expect(line, 'the refused write is logged').toBeDefined();
    expect(JSON.parse(line!).err).toMatchObject({ type: 'DatabaseError', code: '22P05' });
  });

  it('the server log and the worker log hold none of the secrets', () => {
    expect(serverLog.length).toBeGreaterThan(0);
    expectNoSecretIn(serverLog.join(''), 'server');
    expect(worker!.output()).toContain('Run finished');
    expectNoSecretIn(worker!.output(), 'worker');
  });
});
