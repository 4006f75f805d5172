// P1 (PERFORMANCE.md): durable webhook ingestion. `POST /i/:id` with a 1 KB JSON body from 50
// keep-alive connections, 20 s measured after a 5 s warm-up, against `lightning server` on
// PostgreSQL; afterwards every request answered 200 must be found in the database (its work order,
// dataclip and run). In the same run, the reference ceiling: pgbench committing the same three
// inserts (one statement, as the server does) from 50 clients.
//
// Run: npm run build && node bench/webhook-ingestion.js
// Knobs: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
//        CONNECTIONS=50 SECONDS=20 WARMUP_SECONDS=5 DATABASE_POOL_SIZE=20
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApiUser } from './api-user.js';
import { benchDatabase } from './bench-database.js';
import { printHardware } from './hardware.js';
import { startInstance } from './instance.js';
import { provisionWebhookWorkflow } from './provision.js';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 20);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 5);
const POOL_SIZE = process.env.DATABASE_POOL_SIZE ?? '20';

const database = benchDatabase();
const databaseUrl = database.url;
const dataDir = mkdtempSync(join(tmpdir(), 'lightning-bench-'));

/** A 1 KB JSON body (exactly 1,024 bytes). */
function body() {
  const base = { patient: { id: randomUUID(), name: 'Ada Lovelace' }, observations: [] };
  const text = JSON.stringify({ ...base, padding: '' });
  return JSON.stringify({ ...base, padding: 'x'.repeat(1024 - Buffer.byteLength(text)) });
}

/** Closed-loop load: each connection sends its next request when the previous one is answered. */
async function load(url, seconds, record) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const target = new URL(url);
  const deadline = performance.now() + seconds * 1000;
  const payload = body();
  const send = () =>
    new Promise((resolve) => {
      const started = performance.now();
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const latency = performance.now() - started;
            let workOrderId;
            if (response.statusCode === 200) {
              workOrderId = JSON.parse(Buffer.concat(chunks).toString()).work_order_id;
            }
            record?.(response.statusCode, latency, workOrderId);
            resolve();
          });
        },
      );
      request.on('error', (error) => {
        record?.(0, performance.now() - started, undefined, error);
        resolve();
      });
      request.end(payload);
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) await send();
    }),
  );
  agent.destroy();
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The reference: PostgreSQL committing the same three inserts, as one statement, via pgbench. */
function pgbenchReference(ids) {
  const script = join(dataDir, 'insert.sql');
  writeFileSync(
    script,
    `WITH d AS (INSERT INTO dataclips (id, project_id, type, body, request)
       VALUES (gen_random_uuid(), '${ids.projectId}', 'http_request', '${body()}'::jsonb, '{"method":"POST"}'::jsonb)
       RETURNING id),
     w AS (INSERT INTO work_orders (id, workflow_id, snapshot_id, trigger_id, dataclip_id, state)
       SELECT gen_random_uuid(), '${ids.workflowId}', '${ids.snapshotId}', '${ids.triggerId}', d.id, 'pending' FROM d
       RETURNING id, dataclip_id)
     INSERT INTO runs (id, work_order_id, workflow_id, snapshot_id, starting_trigger_id, dataclip_id, state, priority, queue, options)
       SELECT gen_random_uuid(), w.id, '${ids.workflowId}', '${ids.snapshotId}', '${ids.triggerId}', w.dataclip_id, 'available', 1, 'default', '{}'::jsonb FROM w;\n`,
  );
  const result = spawnSync(
    'pgbench',
    ['-n', '-c', String(CONNECTIONS), '-j', '2', '-T', '10', '-f', script, databaseUrl],
    { encoding: 'utf8' },
  );
  if (result.error || result.status !== 0) {
    return `pgbench unavailable (${result.error?.message ?? result.stderr.trim()})`;
  }
  const tps = /tps = ([\d.]+)/.exec(result.stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(result.stdout)?.[1];
  return `${Number(tps).toFixed(0)} transactions/s (average latency ${latency} ms, 50 clients, 10 s)`;
}

let instance;
try {
  printHardware();
  await database.create();
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: POOL_SIZE,
    LIGHTNING_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  const headers = await createApiUser(env);
  instance = await startInstance('server', env);

  const {
    projectId,
    workflowId,
    triggerId,
    webhookUrl: webhook,
  } = await provisionWebhookWorkflow(instance.url, { headers });

  await load(webhook, WARMUP_SECONDS);

  const latencies = [];
  const statuses = new Map();
  const accepted = [];
  const started = performance.now();
  await load(webhook, SECONDS, (status, latency, workOrderId) => {
    latencies.push(latency);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (workOrderId) accepted.push(workOrderId);
  });
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  // Durability: every work order answered 200 is in the database, with its dataclip and run.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query(
    `SELECT count(*)::int AS found FROM work_orders w
       JOIN dataclips d ON d.id = w.dataclip_id
       JOIN runs r ON r.work_order_id = w.id
     WHERE w.id = ANY($1::uuid[])`,
    [accepted],
  );
  const { rows: snapshot } = await client.query('SELECT id FROM workflow_snapshots LIMIT 1');
  await client.end();
  const found = rows[0].found;

  console.log(
    `P1 webhook ingestion, ${CONNECTIONS} connections, 1 KB JSON, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up, PostgreSQL (pool ${POOL_SIZE}):`,
  );
  console.log(
    `  ${(accepted.length / elapsed).toFixed(0)} requests/s accepted; p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (target ≥ 3000/s, p99 ≤ 50 ms)`,
  );
  console.log(`  statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  console.log(
    `  durability: ${found} of ${accepted.length} accepted work orders found with dataclip and run (lost: ${accepted.length - found})`,
  );
  console.log(
    `  load average during the run: ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')} (other processes on this machine compete for its 2 cores)`,
  );
  console.log(
    `  reference, pgbench same three inserts: ${pgbenchReference({ projectId, workflowId, triggerId, snapshotId: snapshot[0].id })}`,
  );
} finally {
  await instance?.stop();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
