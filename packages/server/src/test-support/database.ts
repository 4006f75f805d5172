// A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is set
// (created and dropped here, so parallel runs never share state), otherwise in-memory PGlite.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../config/index.js';
import { type DatabaseHandle, migrateDatabase, openDatabase } from '../db/index.js';

export interface TestDatabase extends DatabaseHandle {
  /** The URL of the per-test PostgreSQL database (PostgreSQL only). */
  url?: string;
}

export const testDatabaseUrl = (): string | undefined =>
  loadConfig(process.env).config.database.url;

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testDatabaseUrl();
  const base = loadConfig({}).config;
  if (!adminUrl) {
    const handle = await openDatabase(base, { inMemory: true });
    await migrateDatabase(handle);
    return handle;
  }
  const name = `lightning_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({
    ...base,
    database: { ...base.database, url: url.toString(), poolSize: 10 },
  });
  await migrateDatabase(handle);
  return {
    ...handle,
    url: url.toString(),
    close: async () => {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
