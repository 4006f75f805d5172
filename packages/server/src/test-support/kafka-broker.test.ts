// The test broker itself: kafkajs produces to and consumes from it over both listeners, and what
// was committed survives a broker restart. Every Kafka test relies on these.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_SASL_USERS, type KafkaBroker, startKafkaBroker } from './kafka-broker.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

let broker: KafkaBroker;
beforeAll(async () => {
  broker = await startKafkaBroker();
});
afterAll(async () => {
  await broker?.close();
});

async function consumeOne(kafka: Kafka, topic: string, groupId: string) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, rebalanceTimeout: 6000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const message = await new Promise<{ key: string; value: string; offset: string }>((done) => {
    void consumer.run({
      eachMessage: async ({ message }) =>
        done({
          key: String(message.key),
          value: String(message.value),
          offset: message.offset,
        }),
    });
  });
  await consumer.disconnect();
  return message;
}

describe('the test Kafka broker', () => {
  it('takes a message on the plain listener and hands it to a consumer group', async () => {
    const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'smoke', numPartitions: 3 }],
      waitForLeaders: true,
    });
    expect(
      (await admin.fetchTopicMetadata({ topics: ['smoke'] })).topics[0]?.partitions,
    ).toHaveLength(3);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'smoke',
      messages: [{ key: 'k', value: '{"a":1}', partition: 1 }],
    });
    await producer.disconnect();
    expect(await consumeOne(kafka, 'smoke', 'smoke-group')).toEqual({
      key: 'k',
      value: '{"a":1}',
      offset: '0',
    });
  });

  it('accepts SASL/PLAIN users on the second listener and refuses a wrong password', async () => {
    const username = 'alice';
    const password = KAFKA_SASL_USERS.alice;
    const good = new Kafka({
      brokers: broker.saslBrokers,
      sasl: { mechanism: 'plain', username, password },
      logLevel: logLevel.NOTHING,
    });
    const producer = good.producer();
    await producer.connect();
    await producer.send({ topic: 'sasl-smoke', messages: [{ value: 'hello' }] });
    await producer.disconnect();

    const bad = new Kafka({
      brokers: broker.saslBrokers,
      sasl: { mechanism: 'plain', username, password: 'wrong' },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const refused = bad.producer();
    await expect(refused.connect()).rejects.toThrow(/SASL PLAIN authentication failed/i);
  });

  it('keeps messages and committed offsets across a restart', async () => {
    const kafka = new Kafka({
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 10 },
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'durable', messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    const first = await consumeOne(kafka, 'durable', 'durable-group');
    expect(first.value).toBe('one');

    await broker.stop();
    await broker.start();

    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: 'durable-group', topics: ['durable'] });
    await admin.disconnect();
    // kafkajs commits the offset after eachMessage resolves: the next message to read is 1.
    expect(committed?.partitions[0]?.offset).toBe('1');
    expect((await consumeOne(kafka, 'durable', 'durable-group')).value).toBe('two');
  });
});
