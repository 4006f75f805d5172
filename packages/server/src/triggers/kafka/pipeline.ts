// The consumers of one kafka trigger on this node: KAFKA_NUMBER_OF_CONSUMERS members of the
// trigger's consumer group (the group spreads the topics' partitions over every member on every
// node), each handling up to KAFKA_NUMBER_OF_PROCESSORS partitions at a time, all behind one rate
// limit (rate-limit.ts).
//
// Per message, in order: wait for the rate limit → persist (persist.ts) → commit the offset. The
// offset is committed only once the message is durably somewhere: in the database, or (when that
// fails and KAFKA_ALTERNATE_STORAGE_ENABLED) in a file. With neither possible, the partition stays
// on that message, retrying with backoff (and keeping the group membership alive): it never skips
// ahead. Lightning commits offsets even when persisting failed (its issue #4564); this does not.
//
// Unreachable brokers, refused credentials, a missing topic: the trigger's state says so, the
// node carries on, and the consumers reconnect with backoff until the cause goes away.
import { type Consumer, Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfiguration, KafkaTarget } from '../../workflows/index.js';
import { writeAlternateFile } from './alternate-storage.js';
import {
  type PersistDependencies,
  type PersistOutcome,
  persistKafkaMessage,
  type ReceivedMessage,
} from './persist.js';
import { createRateLimiter, type RateClock, realClock } from './rate-limit.js';

export interface KafkaPipelineSettings {
  consumers: number;
  processors: number;
  messagesPerSecond: number;
  alternateStoragePath?: string;
  /** Called when a message could not be stored in the database (failure mail, embargoed). */
  onPersistenceFailure?: (target: KafkaTarget, error: unknown) => void;
  /** Shorter group timeouts for tests (default 30 s session, as kafkajs). */
  sessionTimeoutMs?: number;
  clock?: RateClock;
}

export interface KafkaTriggerState {
  trigger_id: string;
  state: 'connecting' | 'running' | 'retrying' | 'error' | 'stopped';
  error: string | null;
  last_message_at: string | null;
  /** Messages handled by this node since its consumers started, by outcome. */
  messages: Record<'created' | 'duplicate' | 'invalid_data' | 'stored_in_file', number>;
  /** Partitions this node's consumers hold, per topic. */
  partitions: Record<string, number[]>;
}

export interface KafkaPipeline {
  readonly target: KafkaTarget;
  state(): KafkaTriggerState;
  stop(): Promise<void>;
}

const SASL_MECHANISMS = {
  plain: 'plain',
  scram_sha_256: 'scram-sha-256',
  scram_sha_512: 'scram-sha-512',
} as const;

/** kafkajs' client settings for a trigger's configuration. */
export function kafkaClientConfig(config: KafkaConfiguration, clientId: string): KafkaConfig {
  const sasl =
    config.sasl && config.username !== null && config.password !== null
      ? ({
          mechanism: SASL_MECHANISMS[config.sasl],
          username: config.username,
          password: config.password,
        } as SASLOptions)
      : undefined;
  return {
    clientId,
    brokers: config.hosts.map(([host, port]) => `${host}:${port}`),
    ssl: config.ssl,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: config.connect_timeout * 1000,
    // The client's own retries are short; the pipeline reconnects with its own backoff after.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 },
  };
}

function kafkaLogger(logger: Logger) {
  return () =>
    ({ level, log }: { level: number; log: { message: string; [key: string]: unknown } }) => {
      const { message, timestamp: _t, logger: _l, ...extra } = log;
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.warn(extra, message);
      else if (level === logLevel.WARN) logger.warn(extra, message);
      else logger.debug(extra, message);
    };
}

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function startKafkaPipeline(
  target: KafkaTarget,
  deps: PersistDependencies & { logger: Logger },
  settings: KafkaPipelineSettings,
): KafkaPipeline {
  const logger = deps.logger.child({ trigger_id: target.triggerId });
  const clock = settings.clock ?? realClock;
  const limiter = createRateLimiter(settings.messagesPerSecond, clock);
  const stopping = new AbortController();
  const status: KafkaTriggerState = {
    trigger_id: target.triggerId,
    state: 'connecting',
    error: null,
    last_message_at: null,
    messages: { created: 0, duplicate: 0, invalid_data: 0, stored_in_file: 0 },
    partitions: {},
  };
  const kafka = new Kafka({
    ...kafkaClientConfig(target.config, `lightning-${target.triggerId}`),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogger(logger),
  });
  const consumers: Consumer[] = [];
  const held = new Map<Consumer, Record<string, number[]>>();
  const refreshPartitions = () => {
    const all: Record<string, number[]> = {};
    for (const assignment of held.values()) {
      for (const [topic, partitions] of Object.entries(assignment)) {
        all[topic] = [...(all[topic] ?? []), ...partitions].sort((a, b) => a - b);
      }
    }
    status.partitions = all;
  };
  const fail = (error: unknown) => {
    status.state = 'error';
    status.error = describeError(error);
  };

  /** Stores one message somewhere durable; resolves only when it may be committed. */
  async function store(
    message: ReceivedMessage,
    heartbeat: () => Promise<void>,
  ): Promise<PersistOutcome['outcome'] | 'stored_in_file' | 'stopped'> {
    let delay = 500;
    for (;;) {
      try {
        const result = await persistKafkaMessage(deps, target, message);
        if (result.outcome === 'invalid_data') {
          logger.warn(
            { topic: message.topic, partition: message.partition, offset: message.offset },
            `kafka message skipped: ${result.reason}`,
          );
        }
        if (status.state === 'retrying') {
          status.state = 'running';
          status.error = null;
        }
        return result.outcome;
      } catch (error) {
        logger.error(
          {
            err: describeError(error),
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
          },
          'kafka message could not be stored in the database',
        );
        settings.onPersistenceFailure?.(target, error);
        if (settings.alternateStoragePath) {
          try {
            const path = await writeAlternateFile(settings.alternateStoragePath, target, message);
            logger.warn({ path }, 'kafka message written to alternate storage');
            return 'stored_in_file';
          } catch (fileError) {
            logger.error({ err: describeError(fileError) }, 'alternate storage failed too');
          }
        }
        status.state = 'retrying';
        status.error = `storing messages fails: ${describeError(error)}`;
        if (stopping.signal.aborted) return 'stopped';
        // Keep the group membership while waiting, so the partition is not handed to another
        // member (which would meet the same failure) and the offset stays where it is.
        await heartbeat().catch(() => {});
        await clock.sleep(delay, stopping.signal);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  async function runConsumer(index: number): Promise<void> {
    let delay = 1000;
    while (!stopping.signal.aborted) {
      const consumer = kafka.consumer({
        groupId: target.config.group_id ?? `lightning-${target.triggerId}`,
        allowAutoTopicCreation: false,
        ...(settings.sessionTimeoutMs
          ? {
              sessionTimeout: settings.sessionTimeoutMs,
              rebalanceTimeout: settings.sessionTimeoutMs,
              heartbeatInterval: Math.max(100, Math.floor(settings.sessionTimeoutMs / 5)),
            }
          : {}),
      });
      consumers[index] = consumer;
      const crashed = new Promise<unknown>((resolve) => {
        consumer.on(consumer.events.CRASH, (event) => {
          if (!event.payload.restart) resolve(event.payload.error);
          else fail(event.payload.error);
        });
      });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        held.set(consumer, event.payload.memberAssignment);
        refreshPartitions();
        status.state = 'running';
        status.error = null;
      });
      try {
        await consumer.connect();
        await consumer.subscribe({
          topics: target.config.topics,
          fromBeginning: target.config.initial_offset_reset_policy !== 'latest',
        });
        await consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: settings.processors,
          eachMessage: async ({ topic, partition, message, heartbeat }) => {
            await limiter.take(stopping.signal);
            if (stopping.signal.aborted) throw new Error('stopping');
            const outcome = await store({ ...message, topic, partition }, heartbeat);
            if (outcome === 'stopped') throw new Error('stopping');
            status.messages[outcome]++;
            status.last_message_at = new Date().toISOString();
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
          },
        });
        delay = 1000;
        // Runs until stopped, or until kafkajs gives up on an error it will not retry.
        const error = await Promise.race([
          crashed,
          new Promise((resolve) => stopping.signal.addEventListener('abort', () => resolve(null))),
        ]);
        if (error) fail(error);
      } catch (error) {
        if (!stopping.signal.aborted) fail(error);
      }
      held.delete(consumer);
      refreshPartitions();
      await consumer.disconnect().catch(() => {});
      if (stopping.signal.aborted) break;
      logger.warn({ err: status.error, consumer: index }, 'kafka consumer restarting');
      await clock.sleep(delay, stopping.signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }

  const running = (async () => {
    await applyTimestampPolicy(kafka, target).catch((error) =>
      logger.warn({ err: describeError(error) }, 'could not set start offsets by timestamp'),
    );
    await Promise.all(Array.from({ length: settings.consumers }, (_, index) => runConsumer(index)));
  })();

  return {
    target,
    state: () => ({
      ...status,
      messages: { ...status.messages },
      partitions: { ...status.partitions },
    }),
    stop: async () => {
      stopping.abort();
      await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => {})));
      await running;
      status.state = 'stopped';
    },
  };
}

/**
 * `initial_offset_reset_policy` as a timestamp: a group that has committed nothing yet for a
 * partition starts there at the first message at or after that time. Set as the group's committed
 * offsets before any member joins (the group must be empty; another node may have done it).
 */
async function applyTimestampPolicy(kafka: Kafka, target: KafkaTarget): Promise<void> {
  const policy = target.config.initial_offset_reset_policy;
  if (!/^\d{13}$/.test(policy)) return;
  const groupId = target.config.group_id ?? `lightning-${target.triggerId}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: target.config.topics });
    for (const { topic, partitions } of committed) {
      if (partitions.some((p) => p.offset !== '-1')) continue;
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, Number(policy));
      await admin.setOffsets({
        groupId,
        topic,
        partitions: offsets.map(({ partition, offset }) => ({ partition, offset })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
