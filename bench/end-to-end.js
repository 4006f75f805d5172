// P2 (PERFORMANCE.md): end to end, webhook → worker → trivial `fn(s => s)` job → run `success`.
// A real `lightning server` on PostgreSQL and one real `lightning worker` process (its warm pool of
// sandboxed children, @openfn/language-common), as separate processes as in production. RUNS
// webhooks are posted up front by CONCURRENCY clients; the clock stops when every run is `success`
// (counted in the database), so runs/s includes queueing, claiming, execution and recording.
//
// Run: npm run build && node bench/end-to-end.js     (RUNS=1000 CONCURRENCY=20 WORKER_CAPACITY=4)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApiUser } from './api-user.js';
import { benchDatabase } from './bench-database.js';
import { printHardware } from './hardware.js';
import { startInstance } from './instance.js';
import { provisionWebhookWorkflow } from './provision.js';

const RUNS = Number(process.env.RUNS ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const CAPACITY = process.env.WORKER_CAPACITY ?? '4';
const BIN = fileURLToPath(new URL('../packages/cli/bin/lightning.js', import.meta.url));
const ADAPTORS = fileURLToPath(new URL('../.cache/adaptors', import.meta.url));

const database = benchDatabase();
const dataDir = mkdtempSync(join(tmpdir(), 'lightning-bench-'));
let server;
let worker;
try {
  printHardware();
  await database.create();
  const env = { DATABASE_URL: database.url, LIGHTNING_DATA_DIR: dataDir };
  const headers = await createApiUser(env);
  server = await startInstance('server', env);
  const { webhookUrl } = await provisionWebhookWorkflow(server.url, { headers });

  // The worker shares the server's development keys (same data directory).
  worker = spawn(process.execPath, [BIN, 'worker'], {
    env: {
      ...Object.fromEntries(
        ['PATH', 'HOME', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR']
          .filter((name) => process.env[name])
          .map((name) => [name, process.env[name]]),
      ),
      LIGHTNING_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      WORKER_LIGHTNING_SERVICE_URL: `${server.url.replace(/^http/, 'ws')}/worker`,
      WORKER_CAPACITY: CAPACITY,
      ADAPTORS_PATH: ADAPTORS,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const count = async (state) =>
    (await db.query('SELECT count(*)::int AS n FROM runs WHERE state = $1', [state])).rows[0].n;

  // Warm-up: one run, so adaptor installation and the first child's cold start are not timed.
  await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  while ((await count('success')) < 1) await new Promise((r) => setTimeout(r, 50));

  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < RUNS) {
        next++;
        const response = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ n: next }),
        });
        if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      }
    }),
  );
  const posted = performance.now();
  while ((await count('success')) < RUNS + 1) {
    const failed = (
      await db.query(
        "SELECT count(*)::int AS n FROM runs WHERE state NOT IN ('available','claimed','started','success')",
      )
    ).rows[0].n;
    if (failed > 0) throw new Error(`${failed} runs did not succeed`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const finished = performance.now();
  await db.end();
  const seconds = (finished - started) / 1000;
  console.log(
    `P2 end to end: ${RUNS} runs in ${seconds.toFixed(1)} s = ${(RUNS / seconds).toFixed(0)} runs/s (webhooks posted in ${((posted - started) / 1000).toFixed(1)} s; one worker, capacity ${CAPACITY}; target ≥ 400 runs/s)`,
  );
} finally {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await server?.stop();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
