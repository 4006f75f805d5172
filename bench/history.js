// P7 (PERFORMANCE.md): the history page — 50 work orders filtered by workflow and state — on a
// project with 1,000,000 work orders, p99 ≤ 100 ms. Against `lightning server` on PostgreSQL (a
// fresh database, created and dropped here), over HTTP (`GET /api/work_orders`, each work order
// with its runs). The history is seeded with generate_series: 5 workflows (one holding 60 % of the
// work orders), one run and one input dataclip per work order, a year of insertion times, states
// 80 % success / 15 % failed / 3 % crashed / 1.9 % pending / 0.1 % killed.
//
// Run: npm run build && node bench/history.js
// Knobs: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
//        WORK_ORDERS=1000000 REQUESTS=300 (per case, after 30 warm-up requests)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../packages/server/dist/config/index.js';
import { openDatabase } from '../packages/server/dist/db/index.js';
import { applyRetention } from '../packages/server/dist/runs/index.js';
import { createApiUser } from './api-user.js';
import { benchDatabase } from './bench-database.js';
import { printHardware } from './hardware.js';
import { startInstance } from './instance.js';

const WORK_ORDERS = Number(process.env.WORK_ORDERS ?? 1_000_000);
const REQUESTS = Number(process.env.REQUESTS ?? 300);
const WARMUP = 30;

const database = benchDatabase();
const databaseUrl = database.url;
const dataDir = mkdtempSync(join(tmpdir(), 'lightning-bench-'));

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Work orders `from`..`to` (1-based) of one workflow, with their dataclips and runs, in one statement. */
function seedStatement(workflow, projectId, from, to) {
  return `WITH s AS (
      SELECT i, gen_random_uuid() AS dataclip_id, gen_random_uuid() AS work_order_id,
             now() - (i * interval '1 second' * ${Math.floor((365 * 86400) / WORK_ORDERS)}) - random() * interval '1 second' AS at,
             CASE WHEN i % 1000 < 800 THEN 'success' WHEN i % 1000 < 950 THEN 'failed'
                  WHEN i % 1000 < 980 THEN 'crashed' WHEN i % 1000 < 999 THEN 'pending'
                  ELSE 'killed' END AS state
      FROM generate_series(${from}, ${to}) AS i),
    d AS (INSERT INTO dataclips (id, project_id, type, body, inserted_at, updated_at)
      SELECT dataclip_id, '${projectId}', 'http_request',
             jsonb_build_object('patient', jsonb_build_object('id', i, 'name', 'patient ' || i)), at, at
      FROM s),
    w AS (INSERT INTO work_orders (id, workflow_id, snapshot_id, trigger_id, dataclip_id, state,
                                  last_activity, inserted_at, updated_at)
      SELECT work_order_id, '${workflow.id}', '${workflow.snapshotId}', '${workflow.triggerId}',
             dataclip_id, state, at + interval '2 seconds', at, at + interval '2 seconds' FROM s)
    INSERT INTO runs (work_order_id, workflow_id, snapshot_id, starting_trigger_id, dataclip_id,
                      state, priority, queue, claimed_at, started_at, finished_at, inserted_at)
      SELECT work_order_id, '${workflow.id}', '${workflow.snapshotId}', '${workflow.triggerId}',
             dataclip_id, CASE state WHEN 'pending' THEN 'available' ELSE state END, 1, 'default',
             CASE WHEN state <> 'pending' THEN at END, CASE WHEN state <> 'pending' THEN at END,
             CASE WHEN state <> 'pending' THEN at + interval '2 seconds' END, at
      FROM s`;
}

async function time(url) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const body = await response.json();
  const ms = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

/** Sequential requests (one user paging the history); `next` may follow the previous cursor. */
async function measure(label, makeUrl, { requests = REQUESTS, warmup = WARMUP } = {}) {
  let previous;
  for (let i = 0; i < warmup; i++) previous = (await time(makeUrl(previous))).body;
  const latencies = [];
  let rows = 0;
  for (let i = 0; i < requests; i++) {
    const { ms, body } = await time(makeUrl(previous));
    latencies.push(ms);
    rows += body.data.length;
    previous = body;
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(58)} p50 ${percentile(latencies, 50).toFixed(1).padStart(6)} ms  p99 ${percentile(latencies, 99).toFixed(1).padStart(6)} ms  max ${latencies.at(-1).toFixed(1).padStart(6)} ms  (${(rows / requests).toFixed(0)} rows/page, ${requests} requests)`,
  );
  return percentile(latencies, 99);
}

let instance;
/** The bench user's token (the owner of the project it provisions). */
let headers;
try {
  printHardware();
  await database.create();
  const env = { DATABASE_URL: databaseUrl, LIGHTNING_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  headers = await createApiUser(env);
  instance = await startInstance('server', env);

  const projectId = randomUUID();
  const workflows = Array.from({ length: 5 }, (_, n) => ({
    id: randomUUID(),
    name: `workflow-${n}`,
    triggerId: randomUUID(),
    jobs: [randomUUID(), randomUUID()],
    // The first workflow holds 60 % of the history, the other four 10 % each.
    share: n === 0 ? 0.6 : 0.1,
  }));
  const provisioned = await fetch(`${instance.url}/api/provision`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: projectId,
      name: 'history-bench',
      workflows: workflows.map((workflow, n) => ({
        id: workflow.id,
        name: workflow.name,
        jobs: workflow.jobs.map((id, i) => ({ id, name: `job-${i}`, body: 'fn(s => s)' })),
        // The last workflow's webhook takes new work while retention runs (the probe below).
        triggers: [{ id: workflow.triggerId, type: 'webhook', enabled: n === 4 }],
        edges: [
          {
            id: randomUUID(),
            source_trigger_id: workflow.triggerId,
            target_job_id: workflow.jobs[0],
          },
          {
            id: randomUUID(),
            source_job_id: workflow.jobs[0],
            target_job_id: workflow.jobs[1],
            condition_type: 'on_job_success',
          },
        ],
      })),
    }),
  });
  if (provisioned.status !== 201) throw new Error(`provisioning failed: ${provisioned.status}`);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  for (const workflow of workflows) {
    const { rows } = await client.query(
      'SELECT id FROM workflow_snapshots WHERE workflow_id = $1 ORDER BY lock_version DESC LIMIT 1',
      [workflow.id],
    );
    workflow.snapshotId = rows[0].id;
  }
  const seedStarted = performance.now();
  const CHUNK = 100_000;
  let offset = 0;
  for (const workflow of workflows) {
    const count = Math.round(WORK_ORDERS * workflow.share);
    for (let from = 1; from <= count; from += CHUNK) {
      const to = Math.min(count, from + CHUNK - 1);
      await client.query(seedStatement(workflow, projectId, offset + from, offset + to));
    }
    offset += count;
  }
  await client.query('VACUUM ANALYZE');
  const { rows: counts } = await client.query(
    `SELECT count(*)::int AS work_orders, (SELECT count(*)::int FROM runs) AS runs FROM work_orders`,
  );
  console.log(
    `seeded ${counts[0].work_orders} work orders, ${counts[0].runs} runs, as many dataclips in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`,
  );

  const big = workflows[0].id;
  const base = `${instance.url}/api/work_orders?page_size=50`;
  const follow = (url) => (previous) =>
    previous?.meta.next_cursor ? `${url}&cursor=${previous.meta.next_cursor}` : url;
  console.log(
    'P7 history page (50 work orders with their runs, over HTTP, one request at a time):',
  );
  const p7 = await measure(
    'workflow (600k) + state=failed, first page',
    () => `${base}&workflow_id=${big}&state=failed`,
  );
  await measure(
    'workflow + state=failed, paging on by cursor',
    follow(`${base}&workflow_id=${big}&state=failed`),
  );
  await measure('workflow + state=killed (0.1 %)', () => `${base}&workflow_id=${big}&state=killed`);
  await measure(
    'workflow + state=failed,crashed',
    () => `${base}&workflow_id=${big}&state=failed,crashed`,
  );
  await measure('workflow, all states', () => `${base}&workflow_id=${big}`);
  await measure(
    'project (5 workflows) + state=failed',
    () => `${base}&project_id=${projectId}&state=failed`,
  );
  await measure(
    'project, all states, paging on by cursor',
    follow(`${base}&project_id=${projectId}`),
  );
  await measure(
    'workflow + state=failed + inserted in a 30-day window',
    () =>
      `${base}&workflow_id=${big}&state=failed&inserted_after=${new Date(Date.now() - 200 * 86_400_000).toISOString()}&inserted_before=${new Date(Date.now() - 170 * 86_400_000).toISOString()}`,
  );
  await measure(
    'workflow + search "patient 12345" (rare text, informational)',
    () => `${base}&workflow_id=${big}&search=patient%2012345`,
    { requests: 10, warmup: 1 },
  );
  console.log(`P7 p99 ${p7.toFixed(1)} ms (target ≤ 100 ms)`);

  // Retention on the same history: half a year of history kept, nine months of dataclip bodies.
  // Meanwhile a probe sends a webhook (work order + run written: the queue's write path) and reads
  // a history page every 20 ms; their latencies show whether the batches hold anything up.
  await client.query(
    'UPDATE projects SET history_retention_period = 180, dataclip_retention_period = 270 WHERE id = $1',
    [projectId],
  );
  const defaults = loadConfig({}).config;
  const handle = await openDatabase({
    ...defaults,
    database: { ...defaults.database, url: databaseUrl, poolSize: 2 },
  });
  const webhook = `${instance.url}/i/${workflows[4].triggerId}`;
  const probe = { webhook: [], page: [], failures: 0 };
  let cleaning = true;
  const probing = (async () => {
    while (cleaning) {
      let started = performance.now();
      const response = await fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"probe":true}',
      });
      await response.arrayBuffer();
      if (response.status !== 200) probe.failures++;
      probe.webhook.push(performance.now() - started);
      started = performance.now();
      await time(`${base}&workflow_id=${big}&state=failed`);
      probe.page.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const cleanStarted = performance.now();
  const sweep = await applyRetention(handle.db);
  const cleanSeconds = (performance.now() - cleanStarted) / 1000;
  cleaning = false;
  await probing;
  await handle.close();
  const { rows: left } = await client.query(
    `SELECT (SELECT count(*)::int FROM work_orders) AS work_orders,
            (SELECT count(*)::int FROM runs) AS runs,
            (SELECT count(*)::int FROM dataclips WHERE wiped_at IS NOT NULL) AS wiped`,
  );
  await client.end();
  const summary = (values) => {
    values.sort((a, b) => a - b);
    return `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${values.at(-1).toFixed(1)} ms (${values.length} requests)`;
  };
  console.log(
    `Retention (batches of 500): deleted ${sweep.deletedWorkOrders} work orders and wiped ${sweep.wipedDataclips} dataclip bodies in ${cleanSeconds.toFixed(1)} s; left ${left[0].work_orders} work orders, ${left[0].runs} runs, ${left[0].wiped} wiped dataclips`,
  );
  console.log(`  meanwhile webhook POST: ${summary(probe.webhook)}, ${probe.failures} not 200`);
  console.log(`  meanwhile history page: ${summary(probe.page)}`);
} finally {
  await instance?.stop();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
