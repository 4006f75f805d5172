import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { queryRows, schema } from '../../server/src/db/index.js';
import { createTestUser, type TestUser } from '../../server/src/test-support/actors.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';
import { startWorkerProcess, type WorkerProcess } from './test-support/worker-process.js';

const COMMON = '@openfn/language-common@3.3.4';

const PASSWORD = 'Zx9-secret pass/word+1';
const TOKEN = 'tok-5f1c2a9e77d04b0c';
const USERNAME = 'e2e-api-user';
const BASE_URL = 'https://api.example.org/v1';

/** Every form a job below writes the secrets in; none may be stored anywhere. */
const FORMS = [
  PASSWORD,
  TOKEN,
  Buffer.from(PASSWORD).toString('base64'),
  Buffer.from(TOKEN).toString('base64'),
  encodeURIComponent(PASSWORD),
  Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64'),
];

let server: TestServer;
let user: TestUser;
let worker: WorkerProcess | undefined;
const ids = { trigger: randomUUID(), leak: randomUUID(), fail: randomUUID() };

async function api(method: string, path: string, json?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { ...user.headers, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the assertions read what they need
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  server = await startTestServer();
  user = await createTestUser(server.testDatabase.db);

  const project = await api('POST', '/api/projects', { name: 'credentials-e2e' });
  expect(project.status).toBe(201);
  const projectId = project.body.data.id as string;
  const credential = await api('POST', '/api/credentials', {
    name: 'e2e http',
    schema: 'http',
    body: { baseUrl: BASE_URL, username: USERNAME, password: PASSWORD, access_token: TOKEN },
    project_ids: [projectId],
  });
  expect(credential.status, JSON.stringify(credential.body)).toBe(201);
  const projectCredentialId = credential.body.data.project_credentials[0].id as string;

  const provision = await api('POST', '/api/provision', {
    id: projectId,
    name: 'credentials-e2e',
    project_credentials: [{ id: projectCredentialId, name: 'e2e http', owner: user.email }],
    workflows: [
      {
        id: randomUUID(),
        name: 'leaky',
        jobs: [
          {
            id: ids.leak,
            name: 'leak',
            adaptor: COMMON,
            project_credential_id: projectCredentialId,
            body: `fn(state => {
              const c = state.configuration;
              console.log('plain', c.password, c.access_token);
              console.log(JSON.stringify(state.configuration));
              console.log(state.configuration);
              console.log('b64', btoa(c.password), Buffer.from(c.access_token).toString('base64'));
              console.log('url', encodeURIComponent(c.password));
              console.log('Authorization: Basic ' + btoa(c.username + ':' + c.password));
              return {
                ...state,
                data: {
                  leaked: c.password,
                  token: c.access_token,
                  encoded: btoa(c.password),
                  url: 'https://x.example/?p=' + encodeURIComponent(c.password),
                  copy: { ...c },
                },
              };
            });`,
          },
          {
            id: ids.fail,
            name: 'fail',
            adaptor: COMMON,
            project_credential_id: projectCredentialId,
            body: `fn(state => {
              throw new Error('login failed with ' + state.configuration.password + ' (' + btoa(state.configuration.password) + ')');
            });`,
          },
        ],
        triggers: [{ id: ids.trigger, type: 'webhook', enabled: true }],
        edges: [
          {
            id: randomUUID(),
            source_trigger_id: ids.trigger,
            target_job_id: ids.leak,
            condition_type: 'always',
          },
          {
            id: randomUUID(),
            source_job_id: ids.leak,
            target_job_id: ids.fail,
            condition_type: 'on_job_success',
          },
        ],
      },
    ],
  });
  expect(provision.status, JSON.stringify(provision.body)).toBe(201);

  worker = await startWorkerProcess(server, {
    name: 'credentials-e2e',
    capacity: 1,
    env: { LOG_LEVEL: 'debug' },
  });
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
});

async function finishedRun(workOrderId: string) {
  const { db } = server.database;
  for (let i = 0; i < 600; i++) {
    const [run] = await db
      .select()
      .from(schema.runs)
      .where(eq(schema.runs.workOrderId, workOrderId));
    if (run && !['available', 'claimed', 'started'].includes(run.state)) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `run of work order ${workOrderId} did not finish; worker said:\n${worker?.output() ?? ''}`,
  );
}

/** Every text, varchar, json(b) and bytea value of every table, as text, with where it was. */
async function everyStoredValue(): Promise<{ where: string; text: string }[]> {
  const { db } = server.database;
  const columns = await queryRows<{ table_name: string; column_name: string; data_type: string }>(
    db,
    sql`SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public'
          AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea', 'ARRAY')
        ORDER BY table_name, column_name`,
  );
  const values: { where: string; text: string }[] = [];
  for (const { table_name, column_name, data_type } of columns) {
    const column = sql.identifier(column_name);
    const rows = await queryRows<{ v: unknown }>(
      db,
      data_type === 'bytea'
        ? sql`SELECT ${column} AS v FROM ${sql.identifier(table_name)} WHERE ${column} IS NOT NULL`
        : sql`SELECT ${column}::text AS v FROM ${sql.identifier(table_name)} WHERE ${column} IS NOT NULL`,
    );
    for (const { v } of rows) {
      const text =
        typeof v === 'string'
          ? v.startsWith('\\x')
            ? Buffer.from(v.slice(2), 'hex').toString('latin1')
            : v
          : Buffer.from(v as Uint8Array).toString('latin1');
      values.push({ where: `${table_name}.${column_name}`, text });
    }
  }
  return values;
}

describe('a credential used by a real worker', () => {
  it('reaches the job, and no sensitive value of it is stored anywhere', async () => {
    const response = await fetch(`${server.baseUrl}/i/${ids.trigger}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBe(200);
    const { work_order_id: workOrderId } = (await response.json()) as { work_order_id: string };
    const run = await finishedRun(workOrderId);
    expect(run.state, (worker?.output() ?? '').slice(-3000)).toBe('failed');

    const { db } = server.database;
    const steps = await db
      .select()
      .from(schema.steps)
      .where(eq(schema.steps.snapshotId, run.snapshotId))
      .orderBy(asc(schema.steps.startedAt));
    expect(steps.map((step) => [step.jobId, step.exitReason])).toEqual([
      [ids.leak, 'success'],
      [ids.fail, 'fail'],
    ]);
    // The job had the credential: its output held the values, scrubbed on the way in.
    const [output] = await db
      .select()
      .from(schema.dataclips)
      .where(eq(schema.dataclips.id, steps[0]!.outputDataclipId!));
    expect((output!.body as { data: unknown }).data).toMatchObject({
      leaked: '***',
      token: '***',
      encoded: '***',
      url: 'https://x.example/?p=***',
      copy: { baseUrl: BASE_URL, username: USERNAME, password: '***', access_token: '***' },
    });
    expect(steps[1]!.errorMessage).toContain('login failed with ***');
    // Each delivery to the worker is in the audit trail, with the run.
    const deliveries = await db
      .select()
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.event, 'delivered'));
    expect(deliveries.length).toBeGreaterThanOrEqual(1);
    expect(deliveries[0]!.changes).toEqual({ run_id: run.id });

    const lines = await db
      .select({ message: schema.logLines.message })
      .from(schema.logLines)
      .where(eq(schema.logLines.runId, run.id));
    const jobLines = lines.map((line) => line.message).filter((m) => m.includes('***'));
    expect(jobLines.length).toBeGreaterThanOrEqual(5);

    // The scan sees what is stored in plain text (the base URL, printed by the job)...
    const stored = await everyStoredValue();
    expect(stored.some(({ text }) => text.includes(BASE_URL))).toBe(true);
    // ...and none of the sensitive values, in any form, in any column of any table.
    const leaks = stored.flatMap(({ where, text }) =>
      FORMS.filter((form) => text.includes(form)).map((form) => `${where}: ${form}`),
    );
    expect(leaks).toEqual([]);
    // Nor in the worker's own log output.
    for (const form of FORMS) expect(worker?.output() ?? '').not.toContain(form);
  });
});
