// P2 (PERFORMANCE.md), the server's share: how many runs per second the server can claim, serve
// and record when workers cost nothing. WORKERS scripted Phoenix clients (default 4), each with
// CAPACITY runs in flight (default 4), drive every run through the whole protocol — claim, join
// with the run token, fetch:plan, fetch:dataclip, run:start, step:start, run:batch_logs (2
// lines), step:complete with an output dataclip, run:complete — against a real server on
// PostgreSQL (DATABASE_URL) or PGlite (no DATABASE_URL). RUNS runs are enqueued up front (2,000).
// Reference in the same run: the same number of bare `SELECT 1` round trips per run (12) to the
// same database, i.e. the floor of any server that stores each event as it arrives.
//
// Run: npm run build -w @lightning/protocol -w @lightning/server
//      [DATABASE_URL=…] node bench/worker-protocol.js      (RUNS=2000 WORKERS=4 CAPACITY=4)
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import {
  decodeBinaryReply,
  decodeFrame,
  encodeFrame,
  readReplyPayload,
  signWorkerToken,
  workerSocketUrl,
} from '../packages/protocol/dist/index.js';
import { generateDevKeys, loadConfig } from '../packages/server/dist/config/index.js';
import { migrateDatabase, openDatabase } from '../packages/server/dist/db/index.js';
import { createLogger, startServer } from '../packages/server/dist/index.js';
import { createWorkOrder } from '../packages/server/dist/runs/index.js';
import { printHardware } from './hardware.js';

const RUNS = Number(process.env.RUNS ?? 2_000);
const WORKERS = Number(process.env.WORKERS ?? 4);
const CAPACITY = Number(process.env.CAPACITY ?? 4);
const adminUrl = process.env.DATABASE_URL;

const dbName = `lightning_bench_protocol_${randomBytes(4).toString('hex')}`;
let dbUrl;
if (adminUrl) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  dbUrl = url.toString();
}
const { config } = loadConfig({
  ...generateDevKeys(),
  PORT: '1',
  LOG_LEVEL: 'silent',
  LIGHTNING_DATA_DIR: `/tmp/lightning-bench-${randomBytes(4).toString('hex')}`,
  ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
});
const database = await openDatabase(config, { inMemory: !dbUrl });
await migrateDatabase(database);
const server = await startServer({
  config: { ...config, http: { ...config.http, port: 0 } },
  logger: createLogger('silent'),
  database,
});

try {
  printHardware();
  console.log(
    `database  ${database.kind}; ${RUNS} runs, ${WORKERS} workers × ${CAPACITY} in flight`,
  );
  const ids = await seed(database.db);
  const started = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => work(i, ids)));
  const seconds = (performance.now() - started) / 1000;
  const [{ done }] = (
    await database.db.execute("SELECT count(*)::int AS done FROM runs WHERE state = 'success'")
  ).rows;
  console.log(
    `protocol  ${done} runs recorded in ${seconds.toFixed(1)} s: ${(done / seconds).toFixed(0)} runs/s`,
  );

  const reference = performance.now();
  let trips = 0;
  await Promise.all(
    Array.from({ length: WORKERS * CAPACITY }, async () => {
      while (trips < RUNS * 12) {
        trips++;
        await database.db.execute('SELECT 1');
      }
    }),
  );
  const refSeconds = (performance.now() - reference) / 1000;
  console.log(
    `reference ${RUNS} × 12 SELECT 1 round trips: ${(RUNS / refSeconds).toFixed(0)} runs/s`,
  );
} finally {
  await server.close();
  await database.close();
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

async function seed(db) {
  const project = randomUUID();
  const workflow = randomUUID();
  const trigger = randomUUID();
  const job = randomUUID();
  const snapshot = randomUUID();
  const statements = `
    INSERT INTO projects (id, name) VALUES ('${project}', 'bench');
    INSERT INTO workflows (id, project_id, name) VALUES ('${workflow}', '${project}', 'bench');
    INSERT INTO triggers (id, workflow_id, enabled) VALUES ('${trigger}', '${workflow}', true);
    INSERT INTO jobs (id, workflow_id, name, body, adaptor)
      VALUES ('${job}', '${workflow}', 'job', 'fn(s => s)', '@openfn/language-common@3.3.4');
    INSERT INTO workflow_snapshots (id, workflow_id, name, lock_version, jobs, triggers, edges)
      VALUES ('${snapshot}', '${workflow}', 'bench', 0,
        '[{"id":"${job}","name":"job","body":"fn(s => s)","adaptor":"@openfn/language-common@3.3.4"}]',
        '[{"id":"${trigger}","type":"webhook","enabled":true}]',
        '[{"id":"${randomUUID()}","source_trigger_id":"${trigger}","target_job_id":"${job}","condition_type":"always","enabled":true}]')`;
  // One at a time: PGlite runs a single statement per query.
  for (const statement of statements.split(';')) await db.execute(statement);
  for (let i = 0; i < RUNS; i++) {
    await createWorkOrder(db, {
      workflowId: workflow,
      snapshotId: snapshot,
      triggerId: trigger,
      startingTriggerId: trigger,
      dataclip: {
        projectId: project,
        type: 'http_request',
        body: { i },
        request: { method: 'POST' },
      },
    });
  }
  return { job };
}

/** One scripted worker: a socket, CAPACITY lanes each claiming and running one run at a time. */
async function work(index, { job }) {
  const token = await signWorkerToken(config.workers.secret, `bench-${index}`);
  const url = workerSocketUrl(`${server.url.replace(/^http/, 'ws')}/worker`, {
    token,
    workerVersion: 'bench',
  });
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let ref = 0;
  const waiting = new Map();
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      const reply = decodeBinaryReply(data);
      if (reply.ok) waiting.get(reply.value.ref)?.({ status: reply.value.status });
      return;
    }
    const frame = decodeFrame(data);
    if (!frame.ok || frame.value.event !== 'phx_reply') return;
    waiting.get(frame.value.ref)?.(readReplyPayload(frame.value.payload));
  });
  const push = (topic, event, payload) => {
    const r = String(++ref);
    socket.send(encodeFrame({ joinRef: '1', ref: r, topic, event, payload }));
    return new Promise((resolve, reject) =>
      waiting.set(r, (reply) => {
        waiting.delete(r);
        if (reply?.status !== 'ok') reject(new Error(`${event}: ${JSON.stringify(reply)}`));
        else resolve(reply.response);
      }),
    );
  };
  const ts = () => (BigInt(Date.now()) * 1000n).toString();
  await push('worker:queue', 'phx_join', { capacity: CAPACITY });
  await Promise.all(
    Array.from({ length: CAPACITY }, async () => {
      for (;;) {
        const { runs } = await push('worker:queue', 'claim', {
          demand: 1,
          worker_name: `bench-${index}`,
        });
        if (runs.length === 0) return;
        const [{ id, token: runToken }] = runs;
        const topic = `run:${id}`;
        await push(topic, 'phx_join', { token: runToken });
        const plan = await push(topic, 'fetch:plan', {});
        await push(topic, 'fetch:dataclip', { id: plan.dataclip_id });
        await push(topic, 'run:start', { timestamp: ts() });
        const step = randomUUID();
        const output = randomUUID();
        await push(topic, 'step:start', {
          step_id: step,
          job_id: job,
          input_dataclip_id: plan.dataclip_id,
          timestamp: ts(),
        });
        await push(topic, 'run:batch_logs', {
          run_id: id,
          logs: [
            { message: ['starting'], level: 'info', source: 'R/T', step_id: step, timestamp: ts() },
            { message: ['done'], level: 'success', source: 'R/T', step_id: step, timestamp: ts() },
          ],
        });
        await push(topic, 'step:complete', {
          step_id: step,
          job_id: job,
          reason: 'success',
          output_dataclip_id: output,
          output_dataclip: '{"data":{"ok":true}}',
          timestamp: ts(),
        });
        await push(topic, 'run:complete', {
          reason: 'success',
          final_dataclip_id: output,
          timestamp: ts(),
        });
        await push(topic, 'phx_leave', {});
      }
    }),
  );
  socket.close();
}
