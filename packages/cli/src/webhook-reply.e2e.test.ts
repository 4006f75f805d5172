import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { schema } from '../../server/src/db/index.js';
import { createTestUser, type TestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-process.js';

const COMMON = '@openfn/language-common@3.3.4';

let server: TestServer;
let worker: WorkerProcess | undefined;
let watcher: TestUser;

const ids = {
  project: randomUUID(),
  workflow: randomUUID(),
  trigger: randomUUID(),
  job: randomUUID(),
};

beforeAll(async () => {
  server = await startTestServer();
  const owner = await createTestUser(server.testDatabase.db);
  const provision = await fetch(`${server.baseUrl}/api/provision`, {
    method: 'POST',
    headers: { ...owner.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: ids.project,
      name: 'webhook-reply-e2e',
      workflows: [
        {
          id: ids.workflow,
          name: 'answers the caller',
          jobs: [
            {
              id: ids.job,
              name: 'answer',
              adaptor: COMMON,
              body: `fn(state => {
                const { mode, n } = state.data;
                if (mode === 'fail') throw new Error('refused');
                if (mode === 'custom') {
                  return { ...state, data: { n: n + 1 }, webhookResponse: { status: 202, body: { accepted: n, by: 'job' } } };
                }
                return { ...state, data: { n: n * 2 } };
              });`,
            },
          ],
          triggers: [
            { id: ids.trigger, type: 'webhook', enabled: true, webhook_reply: 'after_completion' },
          ],
          edges: [
            {
              id: randomUUID(),
              source_trigger_id: ids.trigger,
              target_job_id: ids.job,
              condition_type: 'always',
            },
          ],
        },
      ],
    }),
  });
  expect(provision.status, await provision.clone().text()).toBe(201);
  // A viewer who turns on failure alerts for the project, as the settings page does.
  watcher = await createTestUser(server.testDatabase.db, { projects: { [ids.project]: 'viewer' } });
  const optIn = await fetch(`${server.baseUrl}/api/projects/${ids.project}/members/me`, {
    method: 'PATCH',
    headers: { ...watcher.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ failure_alert: true }),
  });
  expect(optIn.status, await optIn.clone().text()).toBe(200);

  worker = await startWorkerProcess(server, { name: 'webhook-reply-e2e', capacity: 2 });
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

/** Posts to the webhook and waits for the answer, which comes only once the run has finished. */
async function call(data: Record<string, unknown>) {
  const response = await fetch(`${server.baseUrl}/i/${ids.trigger}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, text };
}

describe('webhook reply after completion, with a real worker', () => {
  it("answers with the job's state.webhookResponse status and body", async () => {
    const reply = await call({ mode: 'custom', n: 5 });
    expect(reply.status, `${reply.text}\n${(worker?.output() ?? '').slice(-2000)}`).toBe(202);
    expect(reply.body).toEqual({ accepted: 5, by: 'job' });
  });

  it('answers 201 with the final state when the job set no webhookResponse', async () => {
    const reply = await call({ mode: 'plain', n: 21 });
    expect(reply.status, `${reply.text}\n${(worker?.output() ?? '').slice(-2000)}`).toBe(201);
    const body = reply.body as { data: { data: unknown }; meta: Record<string, unknown> };
    expect(body.data.data).toEqual({ n: 42 });
    expect(body.meta).toMatchObject({ state: 'success', run_id: expect.any(String) });
    // The run really was executed by the worker process and is finished in the database.
    const [run] = await server.testDatabase.db
      .select()
      .from(schema.runs)
      .where(eq(schema.runs.id, body.meta.run_id as string));
    expect(run).toMatchObject({ state: 'success', workerName: 'webhook-reply-e2e' });
  });

  it('answers 500 without the state when the run failed, and alerts the opted-in member', async () => {
    const reply = await call({ mode: 'fail', n: 1 });
    expect(reply.status, `${reply.text}\n${(worker?.output() ?? '').slice(-2000)}`).toBe(500);
    const body = reply.body as { error: string; meta: { state: string; run_id: string } };
    expect(body).toMatchObject({ error: 'run_failed', meta: { state: 'failed' } });
    expect(reply.text).not.toContain('refused');

    // The failure alert is sent promptly (first failure of the window); wait for it to be kept.
    let mail: (typeof schema.mailMessages.$inferSelect)[] = [];
    for (let i = 0; i < 300 && mail.length === 0; i++) {
      mail = await server.testDatabase.db
        .select()
        .from(schema.mailMessages)
        .where(eq(schema.mailMessages.recipient, watcher.email));
      if (mail.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(mail).toHaveLength(1);
    expect(mail[0]?.subject).toBe('A run failed in webhook-reply-e2e');
    expect(mail[0]?.text).toContain(`/projects/${ids.project}/runs/${body.meta.run_id}`);
  });
});
