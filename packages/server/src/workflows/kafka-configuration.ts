// A kafka trigger's settings, in OpenFn Lightning's `kafka_configuration` shape: hosts as
// [[host, port]], topics, the consumer group id, where a new group starts reading (`earliest`,
// `latest` or a 13-digit epoch-milliseconds timestamp), SSL, SASL (`plain`, `scram_sha_256`,
// `scram_sha_512`) and the connect timeout in seconds.
//
// The SASL username and password are write-only: a save may carry them in clear, they are stored
// only as vault ciphertext (triggers.kafka_username / kafka_password, rotated with every other
// encrypted column), and every read, snapshot and export shows them as null. A save that sends
// null (or leaves them out) keeps what is stored, so a client can send back what it read.
import { z } from 'zod';
import type { FieldErrors, Trigger } from './types.js';

export const KAFKA_SASL_TYPES = ['plain', 'scram_sha_256', 'scram_sha_512'] as const;
export type KafkaSasl = (typeof KAFKA_SASL_TYPES)[number];

export interface KafkaConfiguration {
  hosts: [string, string][];
  topics: string[];
  /** `lightning-<trigger id>` unless chosen on the first save; never changes afterwards. */
  group_id: string | null;
  initial_offset_reset_policy: string;
  /** Seconds. */
  connect_timeout: number;
  sasl: KafkaSasl | null;
  ssl: boolean;
  /** Plaintext only on the way in; null when read. */
  username: string | null;
  password: string | null;
}

// Hosts are taken as Lightning stores them ([["h", "9092"]]), as its form takes them ("h:9092, h2:9092")
// or as a list of "h:p" strings.
const hostsInput = z.union([
  z.string(),
  z.array(z.union([z.string(), z.tuple([z.string(), z.union([z.string(), z.number()])])])),
]);

export const kafkaConfigurationInputSchema = z
  .strictObject({
    hosts: hostsInput.optional(),
    topics: z.union([z.string(), z.array(z.string())]).optional(),
    group_id: z.string().nullable().optional(),
    initial_offset_reset_policy: z.union([z.string(), z.number()]).optional(),
    connect_timeout: z.number().optional(),
    sasl: z.enum(KAFKA_SASL_TYPES).nullable().optional(),
    ssl: z.boolean().optional(),
    username: z.string().nullable().optional(),
    password: z.string().nullable().optional(),
    // Lightning keeps the last timestamp seen per partition here; accepted and ignored.
    partition_timestamps: z.record(z.string(), z.unknown()).optional(),
  })
  .nullable();

export type KafkaConfigurationInput = z.infer<typeof kafkaConfigurationInputSchema>;

const splitList = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

/** `"h:9092"` → `["h", "9092"]`; a value without a port keeps an empty port (refused later). */
function hostPair(value: string): [string, string] {
  const at = value.lastIndexOf(':');
  return at < 0 ? [value.trim(), ''] : [value.slice(0, at).trim(), value.slice(at + 1).trim()];
}

export function normalizeKafkaConfiguration(
  input: NonNullable<KafkaConfigurationInput> | undefined,
): KafkaConfiguration {
  const hosts = input?.hosts;
  const topics = input?.topics;
  return {
    hosts:
      hosts === undefined
        ? []
        : typeof hosts === 'string'
          ? splitList(hosts).map(hostPair)
          : hosts.map((host) =>
              typeof host === 'string' ? hostPair(host) : [host[0].trim(), String(host[1]).trim()],
            ),
    topics:
      topics === undefined
        ? []
        : typeof topics === 'string'
          ? splitList(topics)
          : topics.map((t) => t.trim()),
    group_id: input?.group_id?.trim() || null,
    initial_offset_reset_policy: String(input?.initial_offset_reset_policy ?? 'latest').trim(),
    connect_timeout: input?.connect_timeout ?? 30,
    sasl: input?.sasl ?? null,
    ssl: input?.ssl ?? false,
    username: input?.username ?? null,
    password: input?.password ?? null,
  };
}

/** The configuration as it is stored in triggers.kafka_configuration and shown: no secrets. */
export function publicKafkaConfiguration(config: KafkaConfiguration): KafkaConfiguration {
  // Rebuilt field by field: jsonb reorders keys, and saves compare configurations as JSON text.
  return {
    hosts: config.hosts,
    topics: config.topics,
    group_id: config.group_id ?? null,
    initial_offset_reset_policy: config.initial_offset_reset_policy,
    connect_timeout: config.connect_timeout,
    sasl: config.sasl ?? null,
    ssl: config.ssl ?? false,
    username: null,
    password: null,
  };
}

/** The trigger as reads, snapshots and exports show it. */
export function publicTrigger(trigger: Trigger): Trigger {
  return trigger.kafka_configuration
    ? { ...trigger, kafka_configuration: publicKafkaConfiguration(trigger.kafka_configuration) }
    : trigger;
}

/**
 * Fills what a save left out from the stored trigger (the group id), or the default group id of a
 * new trigger, so that an unchanged configuration compares equal to the stored one.
 */
export function settleKafkaConfigurations(
  triggers: Trigger[],
  stored: readonly Trigger[] | undefined,
): Trigger[] {
  const byId = new Map((stored ?? []).map((trigger) => [trigger.id, trigger]));
  return triggers.map((trigger) => {
    const config = trigger.kafka_configuration;
    if (!config || config.group_id) return trigger;
    const before = byId.get(trigger.id)?.kafka_configuration?.group_id;
    return {
      ...trigger,
      kafka_configuration: { ...config, group_id: before ?? `lightning-${trigger.id}` },
    };
  });
}

const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const TIMESTAMP = /^\d{13}$/;

/** Lightning's rules for one kafka trigger's configuration; `at(field, message)` records a problem. */
export function validateKafkaConfiguration(
  config: KafkaConfiguration | null,
  at: (field: string, message: string) => void,
): void {
  if (!config) {
    at('kafka_configuration', 'is required for a kafka trigger');
    return;
  }
  const field = (name: string) => `kafka_configuration.${name}`;
  if (config.hosts.length === 0) {
    at(field('hosts'), 'must name at least one broker as "host:port", e.g. "localhost:9092"');
  }
  config.hosts.forEach(([host, port], i) => {
    if (!HOST.test(host)) at(`${field('hosts')}[${i}]`, `"${host}" is not a host name`);
    const number = Number(port);
    if (!/^\d+$/.test(port) || number < 1 || number > 65535) {
      at(`${field('hosts')}[${i}]`, `must have a port from 1 to 65535 (got "${host}:${port}")`);
    }
  });
  if (config.topics.length === 0) at(field('topics'), 'must name at least one topic');
  config.topics.forEach((topic, i) => {
    if (!TOPIC.test(topic) || topic === '.' || topic === '..') {
      at(
        `${field('topics')}[${i}]`,
        `"${topic}" is not a Kafka topic name (letters, digits, ".", "_" and "-", at most 249)`,
      );
    }
  });
  if (config.group_id !== null && !/^[A-Za-z0-9._-]{1,255}$/.test(config.group_id)) {
    at(field('group_id'), 'may contain only letters, digits, ".", "_" and "-" (1–255)');
  }
  const policy = config.initial_offset_reset_policy;
  if (policy !== 'earliest' && policy !== 'latest' && !TIMESTAMP.test(policy)) {
    at(
      field('initial_offset_reset_policy'),
      `must be "earliest", "latest" or a timestamp in milliseconds since 1970 (13 digits) (got "${policy}")`,
    );
  }
  if (!Number.isInteger(config.connect_timeout) || config.connect_timeout < 1) {
    at(
      field('connect_timeout'),
      `must be a whole number of seconds, at least 1 (got ${config.connect_timeout})`,
    );
  }
  if (config.sasl === null && (config.username !== null || config.password !== null)) {
    at(field('sasl'), 'must be set when a username or password is given');
  }
}

/**
 * The save rules that need what is stored: a SASL trigger needs a username and password (given now
 * or stored before), the group id never changes, and with KAFKA_TRIGGERS_ENABLED off no kafka
 * trigger may be added or changed (existing ones stay readable).
 */
export function checkKafkaTriggers(
  triggers: Trigger[],
  stored: readonly (Trigger & { has_kafka_credentials?: boolean })[],
  options: { enabled: boolean },
  at: (index: number, field: string, message: string) => void,
): void {
  const byId = new Map(stored.map((trigger) => [trigger.id, trigger]));
  triggers.forEach((trigger, i) => {
    const before = byId.get(trigger.id);
    const wasKafka = before?.type === 'kafka';
    if (!options.enabled && (trigger.type === 'kafka' || wasKafka)) {
      const { has_kafka_credentials: _, ...plain } = before ?? {};
      const same =
        before !== undefined &&
        JSON.stringify(publicTrigger(plain as Trigger)) === JSON.stringify(trigger) &&
        trigger.kafka_configuration?.username == null &&
        trigger.kafka_configuration?.password == null;
      if (!same) {
        at(
          i,
          'type',
          'kafka triggers are disabled on this instance (KAFKA_TRIGGERS_ENABLED): existing ones can be read but not changed',
        );
        return;
      }
    }
    const config = trigger.kafka_configuration;
    if (trigger.type !== 'kafka' || !config) return;
    const beforeGroup = wasKafka ? before?.kafka_configuration?.group_id : undefined;
    if (beforeGroup && config.group_id !== beforeGroup) {
      at(
        i,
        'kafka_configuration.group_id',
        `cannot be changed once saved (it is "${beforeGroup}")`,
      );
    }
    // Null keeps the stored value, so only a trigger without stored credentials must send both.
    if (config.sasl !== null && !(wasKafka && before?.has_kafka_credentials === true)) {
      for (const secret of ['username', 'password'] as const) {
        if (!config[secret]) {
          at(i, `kafka_configuration.${secret}`, `is required with sasl "${config.sasl}"`);
        }
      }
    }
  });
}

export type { FieldErrors };
