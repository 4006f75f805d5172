// Kafka triggers end to end against a real Apache Kafka broker (test-support/kafka-broker.ts) and
// a real server: messages become work orders exactly once (across partitions, a disable/re-enable,
// and a group whose offsets went back to the start), offsets are committed only once a message is
// stored (in the database or, with KAFKA_ALTERNATE_STORAGE_ENABLED, in a file), and a trigger
// with wrong SASL credentials shows the error and recovers once they are fixed.
// One broker and one server for the whole file: a broker costs 10–30 s to start.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/index.js';
import { createWorkOrder } from '../../runs/index.js';
import { createTestUser, type TestUser } from '../../test-support/actors.js';
import {
  KAFKA_SASL_USERS,
  type KafkaBroker,
  startKafkaBroker,
} from '../../test-support/kafka-broker.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { listEnabledKafkaTargets } from '../../workflows/index.js';
import { startKafkaPipeline } from './pipeline.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

let broker: KafkaBroker;
let server: TestServer;
let user: TestUser;
let projectId: string;
let kafka: Kafka;

beforeAll(async () => {
  [broker, server] = await Promise.all([
    startKafkaBroker(),
    startTestServer({
      KAFKA_TRIGGERS_ENABLED: 'yes',
      KAFKA_NUMBER_OF_MESSAGES_PER_SECOND: '100000',
      KAFKA_NUMBER_OF_PROCESSORS: '3',
      KAFKA_NUMBER_OF_CONSUMERS: '2',
    }),
  ]);
  user = await createTestUser(server.testDatabase.db);
  projectId = randomUUID();
  await call('POST', '/api/provision', { id: projectId, name: 'kafka-ingest' });
  kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await server?.close();
  await broker?.close();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers:
      body === undefined ? user.headers : { ...user.headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const result = { status: response.status, body: text ? JSON.parse(text) : undefined };
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return result;
}

/** Polls `check` until it returns true, failing after `timeoutMs` with what it last saw. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 240_000,
  describe: () => Promise<unknown> = async () => undefined,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await describe())}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function createTopic(topic: string, partitions: number) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions }],
    waitForLeaders: true,
  });
  await admin.disconnect();
}

async function produce(
  topic: string,
  messages: { key?: string; value: string; partition?: number }[],
) {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += 500) {
    await producer.send({ topic, messages: messages.slice(i, i + 500) });
  }
  await producer.disconnect();
}

async function committedOffsets(groupId: string, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return Object.fromEntries(result!.partitions.map((p) => [p.partition, Number(p.offset)]));
}

async function workOrdersOf(triggerId: string) {
  return queryRows<{ n: number; distinct_offsets: number }>(
    server.testDatabase.db,
    sql`SELECT count(*)::int AS n,
               count(DISTINCT (d.request->>'partition') || ':' || (d.request->>'offset'))::int AS distinct_offsets
        FROM work_orders w JOIN dataclips d ON d.id = w.dataclip_id
        WHERE w.trigger_id = ${triggerId}`,
  ).then((rows) => rows[0]!);
}

async function kafkaWorkflow(name: string, config: Record<string, unknown>, enabled = true) {
  const trigger = randomUUID();
  const job = randomUUID();
  const created = await call('POST', `/api/projects/${projectId}/workflows`, {
    name,
    jobs: [{ id: job, name: 'take', body: 'fn(s => s)' }],
    triggers: [{ id: trigger, type: 'kafka', enabled, kafka_configuration: config }],
    edges: [{ source_trigger_id: trigger, target_job_id: job, condition_type: 'always' }],
  });
  return { triggerId: trigger, workflow: created.body.data };
}

async function setEnabled(workflowId: string, enabled: boolean) {
  const current = (await call('GET', `/api/workflows/${workflowId}`)).body.data;
  await call('PUT', `/api/workflows/${workflowId}`, {
    ...current,
    triggers: current.triggers.map((t: object) => ({ ...t, enabled })),
  });
  await server.kafka!.reconcile();
}

describe('kafka triggers against a real broker', { timeout: 300_000 }, () => {
  it('turns every message of three partitions into exactly one work order, once, across a re-enable and a rewound group', async () => {
    const topic = `orders-${randomUUID().slice(0, 8)}`;
    await createTopic(topic, 3);
    const total = 600;
    await produce(
      topic,
      Array.from({ length: total }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ n: i }),
        partition: i % 3,
      })),
    );
    // A payload that is not a JSON object can never become a work order: skipped and committed.
    await produce(topic, [{ value: '[1,2,3]', partition: 0 }]);

    const { triggerId, workflow } = await kafkaWorkflow('ingest', {
      hosts: broker.brokers.join(', '),
      topics: [topic],
      initial_offset_reset_policy: 'earliest',
    });
    await server.kafka!.reconcile();
    const groupId = `lightning-${triggerId}`;
    await waitFor('every message ingested', async () => (await workOrdersOf(triggerId)).n >= total);
    await waitFor(
      'every offset committed',
      async () => {
        const offsets = await committedOffsets(groupId, topic);
        return offsets[0] === 201 && offsets[1] === 200 && offsets[2] === 200;
      },
      240_000,
      async () => ({
        offsets: await committedOffsets(groupId, topic),
        state: server.kafka!.state(triggerId),
        workOrders: await workOrdersOf(triggerId),
      }),
    );
    expect(await workOrdersOf(triggerId)).toEqual({ n: total, distinct_offsets: total });

    // Each work order carries its message: body, and Lightning's metadata as the request.
    const [sample] = await queryRows<{
      body: unknown;
      request: Record<string, unknown>;
      type: string;
    }>(
      server.testDatabase.db,
      sql`SELECT d.body, d.request, d.type FROM work_orders w JOIN dataclips d ON d.id = w.dataclip_id
          WHERE w.trigger_id = ${triggerId} AND d.body->>'n' = '4'`,
    );
    expect(sample).toMatchObject({
      type: 'kafka',
      body: { n: 4 },
      request: { topic, partition: 1, offset: 1, key: 'k4', headers: [] },
    });
    expect(typeof sample!.request.ts).toBe('number');
    const state = server.kafka!.state(triggerId)!;
    expect(state.state).toBe('running');
    expect(state.messages).toMatchObject({ created: total, invalid_data: 1 });
    expect(Object.values(state.partitions).flat().sort()).toEqual([0, 1, 2]);

    // Disabled: the consumers leave the group. Messages sent meanwhile wait in the broker.
    await setEnabled(workflow.id, false);
    expect(server.kafka!.state(triggerId)).toBeUndefined();
    await produce(topic, [{ value: '{"late":1}', partition: 2 }]);
    const admin = kafka.admin();
    await admin.connect();
    const [group] = (await admin.describeGroups([groupId])).groups;
    expect(group!.members).toEqual([]);
    // Rewind the group to the start: as if every offset commit had been lost (a crash between
    // storing and committing). Every message comes again and is recognised as a duplicate.
    await admin.resetOffsets({ groupId, topic, earliest: true });
    await admin.disconnect();

    await setEnabled(workflow.id, true);
    await waitFor('the late message', async () => (await workOrdersOf(triggerId)).n === total + 1);
    await waitFor('the redelivered messages acknowledged', async () => {
      const offsets = await committedOffsets(groupId, topic);
      return offsets[0] === 201 && offsets[1] === 200 && offsets[2] === 201;
    });
    expect(await workOrdersOf(triggerId)).toEqual({ n: total + 1, distinct_offsets: total + 1 });
    expect(server.kafka!.state(triggerId)!.messages.duplicate).toBe(total);
  });

  it('never commits past a message it could not store; with alternate storage it commits once the file is written', async () => {
    const topic = `outage-${randomUUID().slice(0, 8)}`;
    await createTopic(topic, 1);
    // A disabled trigger: this test drives its pipeline itself, with a database that fails.
    const { triggerId } = await kafkaWorkflow(
      'outage',
      { hosts: broker.brokers.join(','), topics: [topic], initial_offset_reset_policy: 'earliest' },
      false,
    );
    await server.testDatabase.db.execute(
      sql`UPDATE triggers SET enabled = true WHERE id = ${triggerId}`,
    );
    const [target] = (await listEnabledKafkaTargets(server.testDatabase.db, server.vault)).filter(
      (t) => t.triggerId === triggerId,
    );
    await server.testDatabase.db.execute(
      sql`UPDATE triggers SET enabled = false WHERE id = ${triggerId}`,
    );
    await produce(topic, [{ value: '{"a":1}' }, { value: '{"a":2}' }, { value: 'not json' }]);
    const groupId = `lightning-${triggerId}`;

    let failures = 0;
    let healthy = false;
    const failing: typeof createWorkOrder = async (db, input, deps) => {
      if (!healthy) {
        failures++;
        throw new Error('database is down');
      }
      return createWorkOrder(db, input, deps);
    };
    const logger = pino({ level: 'silent' });
    const deps = { db: server.testDatabase.db, bus: server.bus, createWorkOrder: failing, logger };

    // Without alternate storage: the partition stays on the first message, retrying.
    const stuck = startKafkaPipeline(target!, deps, {
      consumers: 1,
      processors: 1,
      messagesPerSecond: 1000,
      sessionTimeoutMs: 6000,
    });
    await waitFor('several failed attempts', async () => failures >= 3);
    expect(stuck.state()).toMatchObject({
      state: 'retrying',
      error: expect.stringMatching(/database is down/),
    });
    expect(await committedOffsets(groupId, topic)).toEqual({ 0: -1 });
    // The database comes back: the same message is stored, then the rest, and only then committed.
    healthy = true;
    await waitFor(
      'the backlog stored',
      async () => (await committedOffsets(groupId, topic))[0] === 3,
    );
    expect(await workOrdersOf(triggerId)).toEqual({ n: 2, distinct_offsets: 2 });
    expect(stuck.state().messages).toMatchObject({ created: 2, invalid_data: 1 });
    await stuck.stop();

    // With alternate storage: each message that cannot be stored becomes a file, then is committed.
    healthy = false;
    await produce(topic, [{ value: '{"b":1}', key: 'kb', headers: { source: 'test' } } as never]);
    const dir = await mkdtemp(join(tmpdir(), 'lightning-kafka-alt-'));
    try {
      const spilling = startKafkaPipeline(target!, deps, {
        consumers: 1,
        processors: 1,
        messagesPerSecond: 1000,
        alternateStoragePath: dir,
        sessionTimeoutMs: 6000,
      });
      await waitFor(
        'the file written and committed',
        async () => (await committedOffsets(groupId, topic))[0] === 4,
      );
      await spilling.stop();
      const files = await readdir(join(dir, target!.workflowId));
      expect(files).toEqual([`${triggerId}_${topic}_0_3.json`]);
      const file = JSON.parse(await readFile(join(dir, target!.workflowId, files[0]!), 'utf8'));
      expect(file).toMatchObject({
        trigger_id: triggerId,
        data: '{"b":1}',
        metadata: { topic, partition: 0, offset: 3, key: 'kb', headers: [['source', 'test']] },
      });
      expect(await workOrdersOf(triggerId)).toEqual({ n: 2, distinct_offsets: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows refused SASL credentials as the trigger’s error and recovers once they are fixed', async () => {
    const topic = `sasl-${randomUUID().slice(0, 8)}`;
    await createTopic(topic, 1);
    await produce(topic, [{ value: '{"secure":true}' }]);
    const { triggerId, workflow } = await kafkaWorkflow('sasl', {
      hosts: broker.saslBrokers.join(','),
      topics: [topic],
      initial_offset_reset_policy: 'earliest',
      sasl: 'plain',
      username: 'alice',
      password: 'wrong-password',
    });
    await server.kafka!.reconcile();
    await waitFor('the authentication error', async () =>
      /SASL|authentic/i.test(server.kafka!.state(triggerId)?.error ?? ''),
    );
    const current = (await call('GET', `/api/workflows/${workflow.id}`)).body.data;
    const trigger = current.triggers[0];
    await call('PUT', `/api/workflows/${workflow.id}`, {
      ...current,
      triggers: [
        {
          ...trigger,
          kafka_configuration: { ...trigger.kafka_configuration, password: KAFKA_SASL_USERS.alice },
        },
      ],
    });
    await server.kafka!.reconcile();
    await waitFor('the message ingested', async () => (await workOrdersOf(triggerId)).n === 1);
    expect(server.kafka!.state(triggerId)).toMatchObject({ state: 'running', error: null });
  });
});
