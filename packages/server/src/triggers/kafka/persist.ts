// One Kafka message into Lightning, in ONE transaction: the dedup record (trigger, `<topic>_
// <partition>_<offset>`; its primary key makes a second delivery of the same message a no-op), the
// kafka dataclip (body = the message's JSON object; request = its metadata), the work order and
// its run. Only after this commits may the consumer commit the message's offset, so a crash in
// between means the message comes again and is recognised as a duplicate, never lost or doubled.
import { sql } from 'drizzle-orm';
import type { Bus } from '../../cluster/index.js';
import { type Database, queryRows } from '../../db/index.js';
import type { createWorkOrder } from '../../runs/index.js';
import { getCurrentSnapshot } from '../../workflows/index.js';

/** A message as the consumer received it (kafkajs' shape, reduced to what is kept). */
export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Milliseconds since the epoch, as text. */
  timestamp: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** Where a message goes: the trigger and its workflow. */
export interface MessageTarget {
  triggerId: string;
  workflowId: string;
  projectId: string;
}

export type PersistOutcome =
  | { outcome: 'created'; workOrderId: string; runId: string }
  | { outcome: 'duplicate' }
  | { outcome: 'invalid_data'; reason: string };

export interface PersistDependencies {
  db: Database;
  bus: Bus;
  /** runs.createWorkOrder; a test passes one that fails to simulate a database outage. */
  createWorkOrder: typeof createWorkOrder;
}

const text = (value: Buffer | string | undefined | null) =>
  value === undefined || value === null
    ? null
    : Buffer.isBuffer(value)
      ? value.toString('utf8')
      : value;

/** Lightning's dataclip request of a kafka message: where it came from, its key and headers. */
export function messageMetadata(message: ReceivedMessage) {
  const headers: [string, string | null][] = [];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) headers.push([name, text(one)]);
  }
  return {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    key: text(message.key),
    ts: Number(message.timestamp),
    headers,
  };
}

export const dedupKey = (message: Pick<ReceivedMessage, 'topic' | 'partition' | 'offset'>) =>
  `${message.topic}_${message.partition}_${message.offset}`;

/** The message's JSON object, or why it is not one (it can never become a work order). */
export function decodeMessage(
  value: Buffer | string | null,
): { data: Record<string, unknown> } | { invalid: string } {
  const raw = text(value);
  if (raw === null) return { invalid: 'the message has no value' };
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { invalid: 'the message value is not JSON' };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { invalid: 'the message value is JSON but not an object' };
  }
  return { data: data as Record<string, unknown> };
}

export async function persistKafkaMessage(
  deps: PersistDependencies,
  target: MessageTarget,
  message: ReceivedMessage,
): Promise<PersistOutcome> {
  const decoded = decodeMessage(message.value);
  if ('invalid' in decoded) return { outcome: 'invalid_data', reason: decoded.invalid };
  return persistKafkaData(deps, target, decoded.data, messageMetadata(message));
}

/** Stores already decoded data with its metadata (also what kafka-recover replays from files). */
export async function persistKafkaData(
  deps: PersistDependencies,
  target: MessageTarget,
  data: Record<string, unknown>,
  metadata: ReturnType<typeof messageMetadata>,
): Promise<PersistOutcome> {
  const key = dedupKey({
    topic: metadata.topic,
    partition: metadata.partition,
    offset: String(metadata.offset),
  });
  const result = await deps.db.transaction(async (tx) => {
    const claimed = await queryRows<{ ok: number }>(
      tx,
      sql`INSERT INTO trigger_kafka_message_records (trigger_id, topic_partition_offset)
          VALUES (${target.triggerId}, ${key}) ON CONFLICT DO NOTHING RETURNING 1 AS ok`,
    );
    if (claimed.length === 0) return { outcome: 'duplicate' } as const;
    const snapshot = await getCurrentSnapshot(tx, target.workflowId);
    const created = await deps.createWorkOrder(tx, {
      workflowId: target.workflowId,
      snapshotId: snapshot.id,
      triggerId: target.triggerId,
      startingTriggerId: target.triggerId,
      dataclip: { projectId: target.projectId, type: 'kafka', body: data, request: metadata },
    });
    await queryRows(
      tx,
      sql`UPDATE trigger_kafka_message_records SET work_order_id = ${created.workOrderId}
          WHERE trigger_id = ${target.triggerId} AND topic_partition_offset = ${key}`,
    );
    return { outcome: 'created', workOrderId: created.workOrderId, runId: created.runId } as const;
  });
  if (result.outcome === 'created') {
    // After the commit, as webhooks do: idle workers claim it at once.
    deps.bus.publish({
      type: 'run_available',
      runId: result.runId,
      workflowId: target.workflowId,
      queue: 'default',
    });
  }
  return result;
}
