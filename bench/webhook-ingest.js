// P1 (PERFORMANCE.md): durable webhook ingestion. A `lightning server` on this machine's
// PostgreSQL (no worker, so runs stay queued), 1 KB JSON bodies posted by 50 connections for 20 s
// after a 5 s warm-up; afterwards every request answered 200 must be found in the database. The
// same run measures PostgreSQL's own ceiling for the same three inserts with pgbench.
//
// Run: npm run build && node bench/webhook-ingest.js
//   BENCH_DATABASE_URL  admin URL of the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres)
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { printHardware } from './hardware.js';
import { startInstance } from './instance.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CONNECTIONS = 50;
const WARMUP_S = 5;
const DURATION_S = 20;

const dbName = `lightning_bench_${Date.now()}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const dataDir = mkdtempSync(join(tmpdir(), 'lightning-bench-'));

const body = JSON.stringify({
  patient: {
    id: 'p-1',
    name: 'Ada Lovelace',
    visits: Array.from({ length: 12 }, (_, i) => ({ i, code: 'X'.repeat(40) })),
  },
}).slice(0, 1024);
const payload = JSON.stringify({
  ...JSON.parse(body.length > 900 ? '{}' : body),
  pad: 'x'.repeat(Math.max(0, 1000 - body.length)),
});

let instance;
try {
  printHardware();
  console.log(
    `body     ${Buffer.byteLength(payload)} bytes JSON, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s`,
  );
  instance = await startInstance('server', {
    DATABASE_URL: url.toString(),
    LIGHTNING_DATA_DIR: dataDir,
  });

  const ids = {
    project: randomUUID(),
    workflow: randomUUID(),
    job: randomUUID(),
    trigger: randomUUID(),
    edge: randomUUID(),
  };
  const provision = await fetch(`${instance.url}/api/provision`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: ids.project,
      name: 'bench',
      workflows: [
        {
          id: ids.workflow,
          name: 'ingest',
          jobs: [
            {
              id: ids.job,
              name: 'noop',
              adaptor: '@openfn/language-common@3.3.4',
              body: 'fn(s => s)',
            },
          ],
          triggers: [{ id: ids.trigger, type: 'webhook', enabled: true }],
          edges: [
            {
              id: ids.edge,
              source_trigger_id: ids.trigger,
              target_job_id: ids.job,
              condition_type: 'always',
            },
          ],
        },
      ],
    }),
  });
  if (!provision.ok)
    throw new Error(`provisioning failed: ${provision.status} ${await provision.text()}`);

  const target = {
    url: `${instance.url}/i/${ids.trigger}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
    connections: CONNECTIONS,
  };
  const warm = await autocannon({ ...target, duration: WARMUP_S });
  const result = await autocannon({ ...target, duration: DURATION_S });

  const ok = result['2xx'];
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  const { rows } = await db.query('SELECT count(*)::int AS n FROM work_orders');
  await db.end();
  const stored = rows[0].n;
  const answered = warm['2xx'] + ok;
  console.log(
    `P1 webhook: ${(ok / DURATION_S).toFixed(0)} req/s answered 200, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx} (target ≥ 3000 req/s, p99 ≤ 50 ms)`,
  );
  console.log(
    `durability: ${answered} requests answered 200 (warm-up included), ${stored} work orders stored: ${stored >= answered ? 'none lost' : `${answered - stored} LOST`} (requests cut off at the end may be stored unanswered)`,
  );

  // The ceiling: PostgreSQL committing the same three inserts per transaction, 50 clients.
  const script = join(dataDir, 'ingest.sql');
  // One statement (a CTE) so each transaction is the three inserts and nothing else.
  writeFileSync(
    script,
    `WITH d AS (INSERT INTO dataclips (project_id, type, body, request) VALUES ('${ids.project}', 'http_request', '${payload.replace(/'/g, "''")}'::jsonb, '{"method":"POST"}') RETURNING id),
w AS (INSERT INTO work_orders (workflow_id, trigger_id, dataclip_id, state) SELECT '${ids.workflow}', '${ids.trigger}', d.id, 'pending' FROM d RETURNING id, dataclip_id)
INSERT INTO runs (work_order_id, workflow_id, snapshot_id, starting_trigger_id, dataclip_id)
SELECT w.id, '${ids.workflow}', (SELECT id FROM workflow_snapshots WHERE workflow_id = '${ids.workflow}' ORDER BY lock_version DESC LIMIT 1), '${ids.trigger}', w.dataclip_id FROM w;
`,
  );
  const bench = spawnSync(
    'pgbench',
    ['-n', '-c', String(CONNECTIONS), '-j', '2', '-T', '10', '-f', script, url.toString()],
    { encoding: 'utf8' },
  );
  const out = bench.stdout ?? '';
  if (bench.status !== 0) {
    const reason =
      bench.error?.message ?? (bench.stderr ?? '').split('\n').find((line) => /error/i.test(line));
    console.log(`ceiling: pgbench failed: ${reason}`);
  }
  const tps = /tps = ([\d.]+)/.exec(out)?.[1];
  console.log(
    `ceiling: pgbench, same 3 inserts per transaction, ${CONNECTIONS} clients: ${Number(tps).toFixed(0)} tx/s`,
  );
} finally {
  await instance?.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}
