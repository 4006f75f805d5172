// `lightning reset-demo`, spawned as an operator runs it: against a fresh PostgreSQL database when
// the suite runs on PostgreSQL (DATABASE_URL), otherwise against an embedded PGlite data directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { config as serverConfig, db as serverDb } from '@lightning/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../test-support/env.js';
import { runCli } from '../test-support/run-cli.js';

const adminUrl = serverConfig.loadConfig(process.env).config.database.url;
let dataDir: string;
/** The per-test PostgreSQL database (PostgreSQL runs only). */
let database: { name: string; url: string } | undefined;

/** Only the instance's own variables: its data directory, or its database. */
const instanceEnv = (): Record<string, string> => ({
  LIGHTNING_DATA_DIR: dataDir,
  ...(database ? { DATABASE_URL: database.url } : {}),
});

const env = (extra: Record<string, string> = {}) =>
  processEnv({ ...instanceEnv(), LOG_LEVEL: 'warn', ...extra });

async function withDatabase<T>(use: (db: serverDb.Database) => Promise<T>): Promise<T> {
  const { config } = serverConfig.loadConfig(instanceEnv());
  const handle = await serverDb.openDatabase(config);
  try {
    await serverDb.migrateDatabase(handle);
    return await use(handle.db);
  } finally {
    await handle.close();
  }
}

/** Runs one statement on the PostgreSQL server the suite was pointed at. */
async function onServer(statement: string): Promise<void> {
  const { config } = serverConfig.loadConfig({ DATABASE_URL: adminUrl });
  const admin = await serverDb.openDatabase(config);
  try {
    await admin.pool!.query(statement);
  } finally {
    await admin.close();
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
  if (adminUrl) {
    const name = `lightning_test_${randomBytes(6).toString('hex')}`;
    await onServer(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = { name, url: url.toString() };
  }
  await withDatabase((db) =>
    db.insert(serverDb.schema.users).values({ firstName: 'Real', email: 'real@example.com' }),
  );
});
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (database) await onServer(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`);
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
    expect(stdout).toContain(
      `Reset the demo instance at ${database ? serverDb.describeDatabaseUrl(database.url) : dataDir}`,
    );
    expect(stdout).toMatch(/Project openfn-demo \([0-9a-f-]{36}\) with 2 workflows/);
    expect(stdout).toMatch(/demo@openfn\.org\s+\S+\s+superuser/);
    expect(stdout).toMatch(/editor@openfn\.org\s+\S+\s+editor/);
    expect(stdout).toMatch(/viewer@openfn\.org\s+\S+\s+viewer/);
    expect(await emails()).toEqual(['demo@openfn.org', 'editor@openfn.org', 'viewer@openfn.org']);
  });
});
