import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/index.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { createWorkflow, provisionProject } from '../workflows/index.js';

const run = promisify(execFile);
const NODE_SCRIPT = fileURLToPath(new URL('./cron-node.ts', import.meta.url));

// Two processes need a database both can reach: PostgreSQL only (PGlite lives in one process).
describe.runIf(process.env.DATABASE_URL)('cron across two server nodes', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('fires a cron trigger exactly once per minute while two processes tick together', async () => {
    const projectId = randomUUID();
    await provisionProject(database.db, { id: projectId, name: 'two-nodes' });
    const triggerId = randomUUID();
    const jobId = randomUUID();
    await createWorkflow(database.db, projectId, {
      name: 'every-minute',
      jobs: [{ id: jobId, name: 'tick', body: 'fn(s => s)' }],
      triggers: [{ id: triggerId, type: 'cron', enabled: true, cron_expression: '* * * * *' }],
      edges: [{ source_trigger_id: triggerId, target_job_id: jobId, condition_type: 'always' }],
    });

    // Both nodes share a clock where one real second is one minute, starting at the next whole
    // minute after the trigger was created; they tick every 50 ms (3 simulated seconds) for 4.5 s.
    const epoch = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
    const args = JSON.stringify({
      databaseUrl: database.url,
      startAt: Date.now() + 4_000, // time for both processes to start
      untilMs: 4_500,
      epoch,
      speed: 60,
      tickEveryMs: 50,
    });
    const nodes = await Promise.all(
      [1, 2].map(() =>
        run(process.execPath, ['--import', 'tsx', NODE_SCRIPT, args], { timeout: 60_000 }),
      ),
    );
    const reports = nodes.map(
      ({ stdout }) => JSON.parse(stdout.trim()) as { pid: number; ticks: number; fired: string[] },
    );
    expect(new Set(reports.map((report) => report.pid)).size).toBe(2);
    for (const report of reports) expect(report.ticks).toBeGreaterThan(10);

    const rows = await queryRows<{ scheduled_at: string | Date }>(
      database.db,
      sql`SELECT f.scheduled_at FROM cron_trigger_firings f
          JOIN work_orders w ON w.id = f.work_order_id
          WHERE f.trigger_id = ${triggerId} ORDER BY f.scheduled_at`,
    );
    const expected = [0, 1, 2, 3, 4].map((minute) =>
      new Date(epoch + minute * 60_000).toISOString(),
    );
    expect(rows.map((row) => new Date(row.scheduled_at).toISOString())).toEqual(expected);
    const firedByNodes = reports.flatMap((report) => report.fired).sort();
    expect(firedByNodes).toEqual(expected);
    const [{ count }] = (await queryRows<{ count: number }>(
      database.db,
      sql`SELECT count(*)::int AS count FROM work_orders WHERE trigger_id = ${triggerId}`,
    )) as [{ count: number }];
    expect(count).toBe(5);
  });
});
