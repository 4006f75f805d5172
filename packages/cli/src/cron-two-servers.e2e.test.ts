// Two full `lightning server` processes on one PostgreSQL database, each running its own cron
// scheduler on the real clock: a `* * * * *` trigger must fire exactly once per minute across the
// cluster (the unique trigger + scheduled-minute key, not luck, keeps the second node out).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { generateDevKeys } from '../../server/src/config/index.js';
import { queryRows } from '../../server/src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../server/src/test-support/database.js';
import { createWorkflow, provisionProject } from '../../server/src/workflows/index.js';
import { processEnv } from './test-support/env.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MINUTE = 60_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server never became healthy:\n${output()}`);
}

// Two processes need a database both reach: PostgreSQL only (PGlite lives inside one process).
describe.runIf(process.env.DATABASE_URL)('cron on two server processes', () => {
  let database: TestDatabase;
  const servers: { child: ChildProcess; output: string; dataDir: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null) {
        const exited = new Promise((resolve) => server.child.once('exit', resolve));
        server.child.kill('SIGTERM');
        await exited;
      }
      rmSync(server.dataDir, { recursive: true, force: true });
    }
    await database?.close();
  });

  it('fires a cron trigger exactly once per minute', async () => {
    const projectId = randomUUID();
    await provisionProject(database.db, { id: projectId, name: 'two-servers' });
    const triggerId = randomUUID();
    const jobId = randomUUID();
    await createWorkflow(database.db, projectId, {
      name: 'every-minute',
      jobs: [{ id: jobId, name: 'tick', body: 'fn(s => s)' }],
      triggers: [{ id: triggerId, type: 'cron', enabled: true, cron_expression: '* * * * *' }],
      edges: [{ source_trigger_id: triggerId, target_job_id: jobId, condition_type: 'always' }],
    });

    // Both nodes share keys, as the nodes of one deployment do.
    const keys = generateDevKeys();
    for (const name of ['node-a', 'node-b']) {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), `lightning-cron-${name}-`));
      const child = spawn(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', MAIN, 'server'],
        {
          cwd: ROOT,
          env: processEnv({
            ...keys,
            DATABASE_URL: database.url!,
            PORT: String(port),
            LIGHTNING_DATA_DIR: dataDir,
            LOG_LEVEL: 'warn',
          }),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const server = { child, output: '', dataDir };
      child.stdout!.on('data', (chunk) => (server.output += chunk));
      child.stderr!.on('data', (chunk) => (server.output += chunk));
      servers.push(server);
      await waitForHealth(`http://127.0.0.1:${port}/health`, child, () => server.output);
    }

    // Both are up: the next two whole minutes must each fire once, with both nodes ticking.
    const first = Math.ceil(Date.now() / MINUTE) * MINUTE;
    const second = first + MINUTE;
    await new Promise((resolve) => setTimeout(resolve, second + 8_000 - Date.now()));

    const firings = await queryRows<{ scheduled_at: string | Date; work_orders: number }>(
      database.db,
      sql`SELECT f.scheduled_at,
                 (SELECT count(*)::int FROM work_orders w WHERE w.id = f.work_order_id) AS work_orders
          FROM cron_trigger_firings f WHERE f.trigger_id = ${triggerId} ORDER BY f.scheduled_at`,
    );
    const minutes = firings.map((row) => new Date(row.scheduled_at).getTime());
    expect(minutes).toContain(first);
    expect(minutes).toContain(second);
    // Every firing is a distinct minute with its one work order…
    expect(new Set(minutes).size).toBe(minutes.length);
    for (const row of firings) expect(row.work_orders).toBe(1);
    // …and no work order of this trigger exists without its firing.
    const [{ count }] = (await queryRows<{ count: number }>(
      database.db,
      sql`SELECT count(*)::int AS count FROM work_orders WHERE trigger_id = ${triggerId}`,
    )) as [{ count: number }];
    expect(count).toBe(firings.length);
    for (const server of servers) {
      expect(server.child.exitCode, server.output).toBeNull();
      expect(server.output).not.toMatch(/\n\s+at /);
    }
  });
});
