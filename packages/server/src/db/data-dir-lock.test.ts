// One process at a time in an embedded database directory.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../config/index.js';
import { type Database, DatabaseUnreachableError, openDatabase } from './index.js';

let dataDir: string;
const config = () => loadConfig({ LIGHTNING_DATA_DIR: dataDir }).config;
const lockFile = () => join(dataDir, 'pglite.lock');
const values = async (db: Database): Promise<string[]> => {
  const result = await db.execute(sql`SELECT v FROM shared ORDER BY v`);
  return (result as unknown as { rows: { v: string }[] }).rows.map((row) => row.v);
};

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-lock-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded database directory lock', () => {
  it('refuses a second opener with a message naming the holder, and frees the directory on close', async () => {
    const first = await openDatabase(config());
    await expect(openDatabase(config())).rejects.toThrow(DatabaseUnreachableError);
    await expect(openDatabase(config())).rejects.toThrow(
      new RegExp(`in use by another Lightning process \\(pid ${process.pid}`),
    );
    await first.close();
    expect(existsSync(lockFile())).toBe(false);

    const again = await openDatabase(config());
    await again.close();
  });

  it('takes over the lock of a process that is gone', async () => {
    // A process that has exited: its pid names no live process (pids are not reused this fast).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const pid = Number(gone.stdout);
    writeFileSync(lockFile(), JSON.stringify({ pid, command: 'lightning start', since: 'then' }));

    const database = await openDatabase(config());
    await database.close();
    expect(existsSync(lockFile())).toBe(false);
  });
});

describe('the embedded database shared through its socket', () => {
  it('lets a command reach the same database while the holder runs, and psql too', async () => {
    const holder = await openDatabase(config());
    try {
      expect(existsSync(join(dataDir, '.s.PGSQL.5432'))).toBe(true);
      await holder.db.execute(sql`CREATE TABLE shared (v text)`);
      const command = await openDatabase(config(), { throughRunningInstance: true });
      try {
        expect(command.viaSocket).toBe(true);
        await command.db.execute(sql`INSERT INTO shared VALUES ('from the command')`);
        await holder.db.execute(sql`INSERT INTO shared VALUES ('from the holder')`);
        expect(await values(command.db)).toEqual(['from the command', 'from the holder']);
      } finally {
        await command.close();
      }
      // Asynchronously: the socket is served by this very process.
      const psql = await promisify(execFile)(
        'psql',
        ['-h', dataDir, '-U', 'postgres', '-d', 'postgres', '-AtXc', 'SELECT count(*) FROM shared'],
        { encoding: 'utf8' },
      );
      expect(psql.stdout.trim()).toBe('2');
    } finally {
      await holder.close();
    }
    expect(existsSync(join(dataDir, '.s.PGSQL.5432'))).toBe(false);
  });

  it("keeps a client's transaction apart from the holder's own statements", async () => {
    const holder = await openDatabase(config());
    try {
      await holder.db.execute(sql`CREATE TABLE shared (v text)`);
      const command = await openDatabase(config(), { throughRunningInstance: true });
      const client = await command.pool!.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO shared VALUES ('rolled back')`);
        // The holder's insert waits for the client's transaction: it is not part of it.
        const holderInsert = holder.db.execute(sql`INSERT INTO shared VALUES ('kept')`);
        const inside = await client.query(`SELECT v FROM shared ORDER BY v`);
        expect(inside.rows.map((row: { v: string }) => row.v)).toEqual(['rolled back']);
        await client.query('ROLLBACK');
        await holderInsert;
        expect(await values(holder.db)).toEqual(['kept']);
      } finally {
        client.release();
        await command.close();
      }
    } finally {
      await holder.close();
    }
  });

  it('rolls back a client that leaves mid-transaction, and the holder goes on', async () => {
    const holder = await openDatabase(config());
    try {
      await holder.db.execute(sql`CREATE TABLE shared (v text)`);
      const command = await openDatabase(config(), { throughRunningInstance: true });
      const client = await command.pool!.connect();
      await client.query('BEGIN');
      await client.query(`INSERT INTO shared VALUES ('abandoned')`);
      client.release(new Error('gone'));
      await command.close();
      await holder.db.execute(sql`INSERT INTO shared VALUES ('kept')`);
      expect(await values(holder.db)).toEqual(['kept']);
    } finally {
      await holder.close();
    }
  });

  it('refuses a second server (no throughRunningInstance) naming the holder', async () => {
    const holder = await openDatabase(config());
    try {
      await expect(openDatabase(config())).rejects.toThrow(/in use by another Lightning process/);
    } finally {
      await holder.close();
    }
  });
});
