// KAFKA_DUPLICATE_TRACKING_RETENTION_SECONDS: dedup records older than this are deleted, every 10
// minutes as Lightning does, by one node at a time (an advisory lock; the others skip the round).
// A message delivered again after its record is gone would be ingested again, so the retention
// must outlast any redelivery the cluster can make (offsets are committed right after storing).
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { startRepeatingTask } from '../../cluster/repeating-task.js';
import { type Database, executeCount, queryRows } from '../../db/index.js';

const PURGE_LOCK_ID = 7_420_317;

/** Deletes the records older than `retentionSeconds`; undefined when another node holds the lock. */
export async function purgeKafkaMessageRecords(
  db: Database,
  retentionSeconds: number,
): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(
      tx,
      sql`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK_ID}) AS locked`,
    );
    if (!lock?.locked) return undefined;
    return executeCount(
      tx,
      sql`DELETE FROM trigger_kafka_message_records
          WHERE inserted_at < now() - make_interval(secs => ${retentionSeconds})`,
    );
  });
}

export function startKafkaRecordPurge(options: {
  db: Database;
  logger: Logger;
  retentionSeconds: number;
  intervalMs?: number;
}) {
  return startRepeatingTask({
    intervalMs: options.intervalMs ?? 10 * 60_000,
    round: async () => {
      try {
        const deleted = await purgeKafkaMessageRecords(options.db, options.retentionSeconds);
        if (deleted) options.logger.info({ deleted }, 'kafka duplicate-tracking records purged');
      } catch (error) {
        options.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'kafka duplicate-tracking purge failed',
        );
      }
    },
  });
}
