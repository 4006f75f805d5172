// A real Prometheus scrapes a running server's /metrics with PROMEX_METRICS_ENDPOINT_TOKEN, and its
// query API returns Lightning's run-queue series with the values the runs imply: five runs
// queued, three started by a worker exactly 10 s after their insertion, one left waiting for two
// hours. A second scrape job with a wrong token shows the target down.
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { TestWorker } from '../sockets/test-client.js';
import { readWorkerKeys } from '../sockets/worker-auth.js';
import { type PrometheusServer, startPrometheus } from '../test-support/prometheus.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const TOKEN = 'scrape-token-0123456789';
let server: TestServer;
let db: Database;
let prometheus: PrometheusServer | undefined;
let worker: TestWorker | undefined;

beforeAll(async () => {
  server = await startTestServer({
    PROMEX_ENABLED: 'true',
    PROMEX_METRICS_ENDPOINT_TOKEN: TOKEN,
    // The test scrapes over plain HTTP; the default (https) would refuse the token over it.
    PROMEX_ENDPOINT_SCHEME: 'http',
    METRICS_RUN_QUEUE_AGE_SECONDS: '1',
  });
  db = server.database.db;
});
afterAll(async () => {
  worker?.close();
  await prometheus?.stop();
  await server?.close();
});

/** Queries until `accept` holds for the samples, or fails with the last answer after a minute. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`still not as expected after 60 s: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The value of a single-sample query, undefined while Prometheus has no sample. */
async function sampleOf(promql: string): Promise<number | undefined> {
  const samples = await prometheus!.query(promql);
  return samples.length === 1 ? samples[0]!.value : undefined;
}

it('exposes the run-queue series to a real Prometheus with the bearer token', async () => {
  const fixture = await createWorkflowFixture(db);
  const runIds: string[] = [];
  for (let i = 0; i < 5; i++) runIds.push((await enqueueRun(db, fixture)).runId);
  // Started exactly 10 s after insertion: each delay falls in the 15 000 ms bucket, none below.
  const startedAtMs = Date.now();
  await db.execute(sql`
    UPDATE runs SET inserted_at = 'epoch'::timestamptz + ${startedAtMs - 10_000} * interval '1 millisecond'
    WHERE workflow_id = ${fixture.workflowId}`);
  // One run, older than METRICS_STALLED_RUN_THRESHOLD_SECONDS (3600), is stalled; claims take
  // the oldest first, so it is made old after the claim.
  const keys = readWorkerKeys(server.config);
  if (!keys.ok) throw new Error(keys.reason);
  worker = await TestWorker.connect(server.baseUrl, keys.keys.secret);
  await worker.join('worker:queue', { capacity: 3, queues: { '*': 3 } });
  const claim = await worker.push('worker:queue', 'claim', {
    demand: 3,
    worker_name: 'metrics-test',
    queues: ['*'],
  });
  const claimed = (claim.response as { runs: Array<{ id: string; token: string }> }).runs;
  expect(claimed).toHaveLength(3);
  for (const run of claimed) {
    expect(await worker.join(`run:${run.id}`, { token: run.token })).toMatchObject({
      status: 'ok',
    });
    const timestamp = (BigInt(startedAtMs) * 1000n).toString();
    expect(await worker.push(`run:${run.id}`, 'run:start', { timestamp })).toMatchObject({
      status: 'ok',
    });
  }
  const waiting = runIds.filter((id) => !claimed.some((run) => run.id === id));
  await db.execute(sql`
    UPDATE runs SET inserted_at = now() - interval '2 hours' WHERE id = ${waiting[0]!}`);
  const [queue] = await queryRows<{ available: string }>(
    db,
    sql`SELECT count(*) AS available FROM runs WHERE state = 'available'`,
  );
  expect(Number(queue!.available)).toBe(2);

  const address = server.baseUrl.replace('http://', '');
  prometheus = await startPrometheus([
    { address, token: TOKEN },
    { address, token: 'not-the-token', job: 'wrong-token' },
  ]);

  const job = '{job="lightning"}';
  expect(
    await eventually(
      () => sampleOf(`lightning_run_queue_available_count${job}`),
      (v) => v === 2,
    ),
  ).toBe(2);
  expect(
    await eventually(
      () => sampleOf(`lightning_run_queue_stalled_count${job}`),
      (v) => v === 1,
    ),
  ).toBe(1);
  const buckets = await eventually(
    () => prometheus!.query(`lightning_run_queue_delay_milliseconds_bucket${job}`),
    (samples) => samples.length > 0,
  );
  const bucket = (le: string) => buckets.find((sample) => sample.labels.le === le)?.value;
  expect(bucket('5000')).toBe(0);
  expect(bucket('15000')).toBe(3);
  expect(bucket('+Inf')).toBe(3);
  expect(await sampleOf(`lightning_run_queue_delay_milliseconds_sum${job}`)).toBe(30_000);
  // Counted as they happen on this node.
  expect(await sampleOf(`lightning_runs_claimed_total${job}`)).toBe(3);
  expect(await sampleOf(`lightning_worker_connections${job}`)).toBe(1);
  // The process's own series are there too.
  expect(await sampleOf(`process_resident_memory_bytes${job}`)).toBeGreaterThan(0);

  // The wrong token: the target is down (401), and none of its series exist.
  const targets = await eventually(
    () => prometheus!.targets(),
    (list) => list.some((t) => t.job === 'wrong-token' && t.health === 'down'),
  );
  expect(targets.find((t) => t.job === 'wrong-token')!.lastError).toMatch(/401/);
  expect(targets.find((t) => t.job === 'lightning')!.health).toBe('up');
  expect(await sampleOf('up{job="wrong-token"}')).toBe(0);
  expect(await prometheus.query('lightning_run_queue_available_count{job="wrong-token"}')).toEqual(
    [],
  );
});

it('answers 401 with WWW-Authenticate without the token, and serves it with the token', async () => {
  const none = await fetch(`${server.baseUrl}/metrics`);
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  const wrong = await fetch(`${server.baseUrl}/metrics`, {
    headers: { authorization: 'Bearer nope' },
  });
  expect(wrong.status).toBe(401);
  const right = await fetch(`${server.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(right.status).toBe(200);
  expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await right.text();
  expect(text).toMatch(/^# TYPE lightning_run_queue_delay_milliseconds histogram$/m);
  expect(text).toMatch(/^# TYPE lightning_run_lost_count counter$/m);
  // Not enabled (PROMEX_EXPENSIVE_METRICS_ENABLED): not exposed at all.
  expect(text).not.toMatch(/lightning_run_project_impeded_count/);
  // Requests are timed by route pattern, never by raw URL.
  expect(text).toMatch(/lightning_http_request_duration_seconds_count\{[^}]*route="\/metrics"/);
});
