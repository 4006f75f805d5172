// P3 (PERFORMANCE.md): claim latency with a large backlog. RUNS available runs (default 100,000;
// P3 asks 1,000,000) spread over WORKFLOWS workflows (1,000), CLAIMERS concurrent claimers (8)
// each claiming one run at a time for BENCH_SECONDS and finishing it (untimed), so the in-flight
// set stays bounded as with real workers. Reference in the same run: the simplest possible queue
// pop on the same table and connections (`ORDER BY priority, inserted_at LIMIT 1 FOR UPDATE SKIP
// LOCKED` + UPDATE, no fairness, no concurrency, no queues): read the claim figure as a ratio.
//
// Needs PostgreSQL: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (a scratch database
// is created and dropped).
// Run: npm run build -w @lightning/protocol -w @lightning/server
//      DATABASE_URL=… node bench/claim.js        (RUNS=1000000 WORKFLOWS=1000 CLAIMERS=8 BENCH_SECONDS=10)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../packages/server/dist/config/index.js';
import { migrateDatabase, openDatabase } from '../packages/server/dist/db/index.js';
import { claim } from '../packages/server/dist/runs/index.js';
import { printHardware } from './hardware.js';

const RUNS = Number(process.env.RUNS ?? 100_000);
const WORKFLOWS = Number(process.env.WORKFLOWS ?? 1_000);
const CLAIMERS = Number(process.env.CLAIMERS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  console.error('claim.js needs DATABASE_URL (PostgreSQL); PGlite is one backend and cannot race.');
  process.exit(1);
}

const name = `lightning_bench_claim_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const base = loadConfig({}).config;
const handle = await openDatabase({
  ...base,
  // Seeding a million runs takes longer than the default statement timeout.
  database: {
    ...base.database,
    url: url.toString(),
    poolSize: CLAIMERS + 2,
    statementTimeoutMs: 0,
  },
});

try {
  await migrateDatabase(handle);
  const pool = handle.pool;
  printHardware();
  console.log(`runs      ${RUNS} available over ${WORKFLOWS} workflows, ${CLAIMERS} claimers`);
  const seeded = performance.now();
  await seed(pool);
  console.log(`seeded    in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  const claimOptions = {
    demand: 1,
    queues: ['manual', '*'],
    perWorkflowLimit: 50,
    workMem: process.env.CLAIM_WORK_MEM || undefined,
  };
  const ours = await measure(async (worker) => {
    const runs = await claim(handle.db, { ...claimOptions, workerName: worker });
    return runs.map((run) => run.id);
  }, pool);
  report('runs.claim', ours);

  const reference = await measure(async (worker) => {
    const { rows } = await pool.query(
      `UPDATE runs SET state = 'claimed', claimed_at = now(), worker_name = $1
       WHERE id = (SELECT id FROM runs WHERE state = 'available'
                   ORDER BY priority, inserted_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [worker],
    );
    return rows.map((row) => row.id);
  }, pool);
  report('reference (bare SKIP LOCKED pop)', reference);
  console.log(`ratio     p99 ${(ours.p99 / reference.p99).toFixed(2)}× the reference`);
} finally {
  await handle.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

/** One project, WORKFLOWS workflows with a snapshot and a work order each, RUNS runs round-robin. */
async function seed(pool) {
  await pool.query(`
    INSERT INTO projects (id, name) VALUES ('00000000-0000-4000-8000-000000000001', 'bench');
    INSERT INTO workflows (id, project_id, name)
      SELECT md5('wf' || i)::uuid, '00000000-0000-4000-8000-000000000001', 'wf-' || i
      FROM generate_series(1, ${WORKFLOWS}) i;
    INSERT INTO workflow_snapshots (id, workflow_id, name, lock_version, jobs, triggers, edges)
      SELECT md5('snap' || i)::uuid, md5('wf' || i)::uuid, 'wf-' || i, 0, '[]', '[]', '[]'
      FROM generate_series(1, ${WORKFLOWS}) i;
    INSERT INTO jobs (id, workflow_id, name)
      SELECT md5('job' || i)::uuid, md5('wf' || i)::uuid, 'job'
      FROM generate_series(1, ${WORKFLOWS}) i;
    INSERT INTO work_orders (id, workflow_id, snapshot_id)
      SELECT md5('wo' || i)::uuid, md5('wf' || i)::uuid, md5('snap' || i)::uuid
      FROM generate_series(1, ${WORKFLOWS}) i;`);
  // Round-robin over workflows, 1 ms apart, 2% manual runs of immediate priority.
  await pool.query(`
    INSERT INTO runs (id, work_order_id, workflow_id, snapshot_id, starting_job_id, state,
                      priority, queue, inserted_at)
    SELECT gen_random_uuid(), md5('wo' || w)::uuid, md5('wf' || w)::uuid, md5('snap' || w)::uuid,
           md5('job' || w)::uuid, 'available',
           CASE WHEN i % 50 = 0 THEN 0 ELSE 1 END,
           CASE WHEN i % 50 = 0 THEN 'manual' ELSE 'default' END,
           now() - interval '1 day' + i * interval '1 millisecond'
    FROM generate_series(1, ${RUNS}) i, LATERAL (SELECT (i % ${WORKFLOWS}) + 1 AS w) x`);
  await pool.query('VACUUM ANALYZE runs');
}

/** CLAIMERS lanes claiming for SECONDS; each claimed run is finished (untimed) right after. */
async function measure(claimOnce, pool) {
  // Each measurement starts from the same backlog.
  await pool.query(
    `UPDATE runs SET state = 'available', claimed_at = NULL, finished_at = NULL, worker_name = NULL
     WHERE state <> 'available'`,
  );
  await pool.query('VACUUM ANALYZE runs');
  const latencies = [];
  let empty = 0;
  const deadline = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLAIMERS }, async (_, lane) => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const ids = await claimOnce(`bench-${lane}`);
        latencies.push(performance.now() - started);
        if (ids.length === 0) empty++;
        else
          await pool.query(
            `UPDATE runs SET state = 'success', finished_at = now() WHERE id = ANY($1::uuid[])`,
            [ids],
          );
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return {
    claims: latencies.length,
    perSecond: latencies.length / SECONDS,
    empty,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
  };
}

function report(label, r) {
  console.log(
    `${label.padEnd(34)} ${r.claims} claims (${r.perSecond.toFixed(0)}/s, ${r.empty} empty)  ` +
      `p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`,
  );
}
