// Kafka ingestion: how many messages per second a `lightning server` on PostgreSQL turns into work
// orders (dataclip + work order + run + dedup record, one transaction each, offset committed after
// it). MESSAGES JSON messages are produced to a topic of 3 partitions of a real Apache Kafka broker
// (test-support/kafka-broker.ts) before the trigger exists; the clock runs from the trigger's
// creation until the last work order is in the database, and every message must then have exactly
// one work order.
//
// Run: npm run build && node bench/kafka-ingest.js   (needs Java 17 and Maven for the broker)
// Knobs: MESSAGES=10000 PROCESSORS=3 CONSUMERS=1 BENCH_DATABASE_URL
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The broker's test support is TypeScript: run this file again under tsx.
if (!process.env.BENCH_UNDER_TSX) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, BENCH_UNDER_TSX: '1' } },
  );
  process.exit(result.status ?? 1);
}

const { Kafka, logLevel } = await import('kafkajs');
const pg = (await import('pg')).default;
const { createApiUser } = await import('./api-user.js');
const { benchDatabase } = await import('./bench-database.js');
const { printHardware } = await import('./hardware.js');
const { startInstance } = await import('./instance.js');
const { startKafkaBroker } = await import('../packages/server/src/test-support/kafka-broker.ts');

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const MESSAGES = Number(process.env.MESSAGES ?? 10_000);
const PROCESSORS = process.env.PROCESSORS ?? '3';
const CONSUMERS = process.env.CONSUMERS ?? '1';

const database = benchDatabase();
const dataDir = mkdtempSync(join(tmpdir(), 'lightning-bench-'));
let broker;
let instance;
try {
  printHardware();
  const brokerStarted = performance.now();
  broker = await startKafkaBroker();
  console.log(`broker ready in ${((performance.now() - brokerStarted) / 1000).toFixed(1)} s`);
  await database.create();

  const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const topic = 'bench-ingest';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < MESSAGES; i += 1000) {
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(1000, MESSAGES - i) }, (_, j) => ({
        key: String(i + j),
        value: JSON.stringify({ n: i + j, patient: { id: randomUUID(), name: 'Ada Lovelace' } }),
      })),
    });
  }
  await producer.disconnect();

  const env = {
    DATABASE_URL: database.url,
    LIGHTNING_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    KAFKA_TRIGGERS_ENABLED: 'yes',
    KAFKA_NUMBER_OF_MESSAGES_PER_SECOND: '1000000',
    KAFKA_NUMBER_OF_PROCESSORS: PROCESSORS,
    KAFKA_NUMBER_OF_CONSUMERS: CONSUMERS,
  };
  const headers = { ...(await createApiUser(env)), 'content-type': 'application/json' };
  instance = await startInstance('server', env);
  const projectId = randomUUID();
  const post = async (path, body) => {
    const response = await fetch(`${instance.url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  await post('/api/provision', { id: projectId, name: 'kafka-bench' });
  const trigger = randomUUID();
  const job = randomUUID();

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const started = performance.now();
  await post(`/api/projects/${projectId}/workflows`, {
    name: 'ingest',
    jobs: [{ id: job, name: 'take', body: 'fn(s => s)' }],
    triggers: [
      {
        id: trigger,
        type: 'kafka',
        enabled: true,
        kafka_configuration: {
          hosts: broker.brokers.join(','),
          topics: [topic],
          initial_offset_reset_policy: 'earliest',
        },
      },
    ],
    edges: [{ source_trigger_id: trigger, target_job_id: job, condition_type: 'always' }],
  });
  let count = 0;
  let firstAt;
  while (count < MESSAGES) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { rows } = await client.query('SELECT count(*)::int AS n FROM work_orders');
    count = rows[0].n;
    if (count > 0 && firstAt === undefined) firstAt = performance.now();
  }
  const seconds = (performance.now() - started) / 1000;
  const steady = (performance.now() - firstAt) / 1000;
  const { rows } = await client.query(
    `SELECT count(*)::int AS n, count(DISTINCT d.request->>'partition' || ':' || (d.request->>'offset'))::int AS distinct
       FROM work_orders w JOIN dataclips d ON d.id = w.dataclip_id`,
  );
  await client.end();
  console.log(
    `${MESSAGES} messages → ${rows[0].n} work orders (${rows[0].distinct} distinct messages) in ${seconds.toFixed(1)} s from the trigger's creation: ${(MESSAGES / seconds).toFixed(0)} messages/s (${(MESSAGES / steady).toFixed(0)}/s after the first work order; consumers ${CONSUMERS}, processors ${PROCESSORS}, load ${loadavg()[0].toFixed(1)})`,
  );
  if (rows[0].n !== MESSAGES || rows[0].distinct !== MESSAGES) process.exitCode = 1;
} finally {
  await instance?.stop();
  await broker?.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
