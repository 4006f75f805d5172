// `lightning reset-demo`, spawned against an instance's data directory (embedded PGlite); the
// reset itself on PostgreSQL is covered by server/src/demo/demo.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { config as serverConfig, db as serverDb } from '@lightning/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../test-support/env.js';
import { runCli } from '../test-support/run-cli.js';

let dataDir: string;

const env = (extra: Record<string, string> = {}) =>
  processEnv({ LIGHTNING_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra });

async function withDatabase<T>(use: (db: serverDb.Database) => Promise<T>): Promise<T> {
  const { config } = serverConfig.loadConfig({ LIGHTNING_DATA_DIR: dataDir });
  const database = await serverDb.openDatabase(config);
  try {
    await serverDb.migrateDatabase(database);
    return await use(database.db);
  } finally {
    await database.close();
  }
}

const emails = () =>
  withDatabase(async (db) =>
    (await db.select({ email: serverDb.schema.users.email }).from(serverDb.schema.users))
      .map((user) => user.email)
      .sort(),
  );

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-demo-cli-'));
  await withDatabase((db) =>
    db.insert(serverDb.schema.users).values({ firstName: 'Real', email: 'real@example.com' }),
  );
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('lightning reset-demo', () => {
  it('refuses, changing nothing, unless IS_RESETTABLE_DEMO is true', async () => {
    for (const extra of [{}, { IS_RESETTABLE_DEMO: 'false' }] as Record<string, string>[]) {
      const { code, stdout, stderr } = await runCli(['reset-demo'], env(extra));
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/not a resettable demo.*IS_RESETTABLE_DEMO=true/);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
    expect(await emails()).toEqual(['real@example.com']);
  });

  it('wipes the instance and prints the demo users with their passwords', async () => {
    const { code, stdout, stderr } = await runCli(
      ['reset-demo'],
      env({ IS_RESETTABLE_DEMO: 'yes' }),
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Project openfn-demo \([0-9a-f-]{36}\) with 2 workflows/);
    expect(stdout).toMatch(/demo@openfn\.org\s+\S+\s+superuser/);
    expect(stdout).toMatch(/editor@openfn\.org\s+\S+\s+editor/);
    expect(stdout).toMatch(/viewer@openfn\.org\s+\S+\s+viewer/);
    expect(await emails()).toEqual(['demo@openfn.org', 'editor@openfn.org', 'viewer@openfn.org']);
  });
});
