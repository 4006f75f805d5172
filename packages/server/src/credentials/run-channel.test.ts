// Credentials on the worker socket, against a real server driven by a real `ws` client: delivery
// only to runs whose snapshot uses the credential (audited), and the scrubbing of credential values
// from the log lines, dataclips and error messages a run stores.
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from '../runs/test-fixtures.js';
import { TestWorker } from '../sockets/test-client.js';
import { readWorkerKeys } from '../sockets/worker-auth.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const PASSWORD = 'S3cret/Pa ss+word=?&';
const TOKEN = 'tok_9f8e7d6c5b4a';
const USERNAME = 'api-user';
const BODY = {
  baseUrl: 'https://example.com',
  username: USERNAME,
  password: PASSWORD,
  access_token: TOKEN,
};

let server: TestServer;
let db: Database;
let secret: string;
let withCredential: WorkflowFixture;
let otherProject: WorkflowFixture;
const workers: TestWorker[] = [];

beforeAll(async () => {
  server = await startTestServer({ WORKER_MAX_RUN_DURATION_SECONDS: '120' });
  db = server.database.db;
  const keys = readWorkerKeys(server.config);
  if (!keys.ok) throw new Error(keys.reason);
  secret = keys.keys.secret;
  withCredential = await createWorkflowFixture(db, { credentialBody: BODY, vault: server.vault });
  otherProject = await createWorkflowFixture(db, {
    credentialBody: { password: 'other-project-password' },
    vault: server.vault,
  });
});
afterAll(async () => {
  for (const worker of workers) worker.close();
  await server?.close();
});

const ts = () => (BigInt(Date.now()) * 1000n).toString();

/** Claims a fresh run of the fixture over a new socket and joins its channel. */
async function claimedRun(fixture: WorkflowFixture) {
  const worker = await TestWorker.connect(server.baseUrl, secret);
  workers.push(worker);
  await db.execute(sql`UPDATE runs SET state = 'cancelled' WHERE state = 'available'`);
  const created = await enqueueRun(db, fixture);
  await worker.join('worker:queue', { capacity: 1, queues: { 'manual>*': 1 } });
  const reply = await worker.push('worker:queue', 'claim', { demand: 1, worker_name: 'w' });
  const [run] = (reply.response as { runs: Array<{ id: string; token: string }> }).runs;
  expect(run!.id).toBe(created.runId);
  const topic = `run:${run!.id}`;
  expect(await worker.join(topic, { token: run!.token })).toMatchObject({ status: 'ok' });
  return { worker, topic, runId: run!.id, token: run!.token };
}

const deliveries = (credentialId: string) =>
  db
    .select()
    .from(schema.auditEvents)
    .where(
      and(eq(schema.auditEvents.itemId, credentialId), eq(schema.auditEvents.event, 'delivered')),
    );

const notFound = {
  status: 'error',
  response: { errors: { id: ['Credential not found!'] } },
  binary: false,
};

describe('fetch:credential', () => {
  it('delivers the decrypted body to a run whose snapshot uses it, and audits the delivery', async () => {
    const { worker, topic, runId } = await claimedRun(withCredential);
    const reply = await worker.push(topic, 'fetch:credential', { id: withCredential.credentialId });
    expect(reply).toEqual({ status: 'ok', response: BODY, binary: false });
    const audited = await deliveries(withCredential.credentialId!);
    expect(audited).toEqual([
      expect.objectContaining({
        itemType: 'credential',
        projectId: withCredential.projectId,
        actorId: null,
        changes: { run_id: runId },
      }),
    ]);
    expect(JSON.stringify(audited)).not.toContain(PASSWORD);
  });

  it('refuses a credential the run does not use, and any run after it finished', async () => {
    const before = (await deliveries(otherProject.credentialId!)).length;
    const { worker, topic } = await claimedRun(withCredential);
    expect(await worker.push(topic, 'fetch:credential', { id: otherProject.credentialId })).toEqual(
      notFound,
    );
    expect(await worker.push(topic, 'fetch:credential', { id: randomUUID() })).toEqual(notFound);
    expect(await worker.push(topic, 'fetch:credential', { id: 'not-a-uuid' })).toMatchObject({
      status: 'error',
    });
    expect(
      await worker.push(topic, 'run:complete', { reason: 'success', timestamp: ts() }),
    ).toMatchObject({ status: 'ok' });
    expect(
      await worker.push(topic, 'fetch:credential', { id: withCredential.credentialId }),
    ).toEqual(notFound);
    expect((await deliveries(otherProject.credentialId!)).length).toBe(before);
  });

  it("refuses another run's credential on a foreign run's channel, and a token of another run", async () => {
    const foreign = await claimedRun(otherProject);
    expect(
      await foreign.worker.push(foreign.topic, 'fetch:credential', {
        id: withCredential.credentialId,
      }),
    ).toEqual(notFound);
    // The token of the foreign run does not open the channel of a run that uses the credential.
    const ours = await claimedRun(withCredential);
    expect(await foreign.worker.join(ours.topic, { token: foreign.token })).toMatchObject({
      status: 'error',
      response: { reason: 'unauthorized' },
    });
  });
});

describe('scrubbing', () => {
  const basic = Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64');
  const forms = [
    PASSWORD,
    TOKEN,
    Buffer.from(PASSWORD).toString('base64'),
    Buffer.from(TOKEN).toString('base64'),
    encodeURIComponent(PASSWORD),
    basic,
  ];

  it('replaces credential values by *** in log lines, dataclips and error messages', async () => {
    const { worker, topic, runId } = await claimedRun(withCredential);
    const ok = { status: 'ok' };
    expect(await worker.push(topic, 'run:start', { timestamp: ts() })).toMatchObject(ok);
    const stepId = randomUUID();
    expect(
      await worker.push(topic, 'step:start', {
        step_id: stepId,
        job_id: withCredential.jobIds[0],
        timestamp: ts(),
      }),
    ).toMatchObject(ok);
    expect(
      await worker.push(topic, 'run:log', {
        run_id: runId,
        step_id: stepId,
        message: ['plain', PASSWORD, { configuration: BODY }],
        level: 'info',
        source: 'JOB',
        timestamp: ts(),
      }),
    ).toMatchObject(ok);
    expect(
      await worker.push(topic, 'run:batch_logs', {
        run_id: runId,
        logs: [
          { message: [`b64 ${forms[2]} ${forms[3]}`], timestamp: ts(), step_id: stepId },
          { message: [`url=${forms[4]}`], timestamp: ts() },
          { message: [`Authorization: Basic ${basic}`], timestamp: ts() },
          // Split by a control character, which is stripped before the line is stored.
          {
            message: [`joined ${PASSWORD.slice(0, 5)}\u0001${PASSWORD.slice(5)}`],
            timestamp: ts(),
          },
        ],
      }),
    ).toMatchObject(ok);
    const outputId = randomUUID();
    const output = {
      data: { echoed: PASSWORD, nested: [{ token: TOKEN }], [TOKEN]: 'as a key', safe: 'kept' },
      // A value next to an escape sequence, so a text-level replacement would break the JSON.
      tricky: `\n${PASSWORD}\\`,
    };
    expect(
      await worker.push(topic, 'step:complete', {
        step_id: stepId,
        job_id: withCredential.jobIds[0],
        reason: 'fail',
        error_type: 'JobError',
        error_message: `could not log in as ${USERNAME} with ${PASSWORD}`,
        output_dataclip_id: outputId,
        output_dataclip: JSON.stringify(output),
        timestamp: ts(),
      }),
    ).toMatchObject(ok);

    const lines = await db
      .select({ message: schema.logLines.message })
      .from(schema.logLines)
      .where(eq(schema.logLines.runId, runId));
    expect(lines).toHaveLength(5);
    for (const { message } of lines) {
      for (const form of forms) expect(message).not.toContain(form);
      expect(message).toContain('***');
    }
    expect(lines[0]!.message).toContain('plain *** {"configuration":');
    expect(lines[0]!.message).toContain('https://example.com');

    const [dataclip] = await db
      .select({ body: schema.dataclips.body })
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, outputId));
    expect(dataclip!.body).toEqual({
      data: { echoed: '***', nested: [{ token: '***' }], '***': 'as a key', safe: 'kept' },
      tricky: '\n***\\',
    });
    const [step] = await db.select().from(schema.steps).where(eq(schema.steps.id, stepId));
    expect(step!.errorMessage).toBe(`could not log in as ${USERNAME} with ***`);

    // And the raw text of every stored row of the run holds none of the forms.
    const [raw] = await queryRows<{ text: string }>(
      db,
      sql`SELECT concat_ws(' ',
                 (SELECT string_agg(message, ' ') FROM log_lines WHERE run_id = ${runId}),
                 (SELECT body::text FROM dataclips WHERE id = ${outputId}),
                 (SELECT error_message FROM steps WHERE id = ${stepId})) AS text`,
    );
    for (const form of forms) expect(raw!.text).not.toContain(form);
  });

  it('leaves runs without credentials untouched', async () => {
    const plain = await createWorkflowFixture(db);
    const { worker, topic, runId } = await claimedRun(plain);
    await worker.push(topic, 'run:log', {
      run_id: runId,
      message: [`not a secret here: ${PASSWORD}`],
      timestamp: ts(),
    });
    const [line] = await db
      .select({ message: schema.logLines.message })
      .from(schema.logLines)
      .where(eq(schema.logLines.runId, runId));
    expect(line!.message).toBe(`not a secret here: ${PASSWORD}`);
  });
});
