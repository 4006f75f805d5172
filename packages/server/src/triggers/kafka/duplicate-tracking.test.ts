// KAFKA_DUPLICATE_TRACKING_RETENTION_SECONDS: dedup records older than the retention go, newer ones
// stay (a message redelivered within the retention is still recognised).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/index.js';
import { createWorkflowFixture } from '../../runs/test-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../test-support/database.js';
import { purgeKafkaMessageRecords } from './duplicate-tracking.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('duplicate-tracking records (KAFKA_DUPLICATE_TRACKING_RETENTION_SECONDS)', () => {
  it('purges the records older than the retention and keeps the rest', async () => {
    const { db } = database;
    const { triggerId } = await createWorkflowFixture(db);
    await db.execute(
      sql`INSERT INTO trigger_kafka_message_records (trigger_id, topic_partition_offset, inserted_at)
          VALUES (${triggerId}, 't_0_0', now() - interval '2 hours'),
                 (${triggerId}, 't_0_1', now() - interval '50 minutes'),
                 (${triggerId}, 't_0_2', now())`,
    );
    expect(await purgeKafkaMessageRecords(db, 3600)).toBe(1);
    const left = await queryRows<{ key: string }>(
      db,
      sql`SELECT topic_partition_offset AS key FROM trigger_kafka_message_records ORDER BY 1`,
    );
    expect(left.map((row) => row.key)).toEqual(['t_0_1', 't_0_2']);
    expect(await purgeKafkaMessageRecords(db, 60)).toBe(1);
  });
});
