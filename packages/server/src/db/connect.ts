// Opens the database: PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite persisted in
// the data directory. Both give the same Drizzle API over the same schema and migrations.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Config } from '../config/index.js';
import { DataDirectoryLockedError, lockDataDirectory } from './data-dir-lock.js';
import {
  EMBEDDED_SOCKET_PORT,
  type EmbeddedSocket,
  embeddedSocketPath,
  serveEmbeddedSocket,
} from './embedded-socket.js';
import * as schema from './schema.js';
import { isTransientDatabaseError } from './transient.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, safe to log: host:port/database or the PGlite directory. */
  location: string;
  /** The pg pool (PostgreSQL only), for LISTEN connections and advisory locks. */
  pool?: pg.Pool;
  /** The PGlite instance (embedded only, in the process that holds the data directory). */
  pglite?: PGlite;
  /**
   * Embedded only: true when another process holds the data directory and this handle reaches
   * its database through that process's socket (`db` is then a pg pool over the socket).
   */
  viaSocket?: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

export interface OpenOptions {
  /** Called before each retry with a message naming the host. */
  onRetry?: (message: string) => void;
  /** PGlite only: keep the database in memory (tests). */
  inMemory?: boolean;
  /**
   * PGlite only: when a running instance holds the data directory, use its database through the
   * socket it serves (commands such as create-user). Without it (a server), a held directory is
   * an error naming the holder.
   */
  throughRunningInstance?: boolean;
}

/** PGlite's defaults plus small shared buffers: the embedded instance idles far lighter. */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

export async function openDatabase(
  config: Pick<Config, 'database' | 'dataDir'>,
  options: OpenOptions = {},
): Promise<DatabaseHandle> {
  const { url } = config.database;
  return url ? openPostgres(url, config.database, options) : openPglite(config.dataDir, options);
}

/** host:port/database of a URL, without credentials. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

async function openPostgres(
  url: string,
  settings: Config['database'],
  options: OpenOptions,
): Promise<DatabaseHandle> {
  const location = describeDatabaseUrl(url);
  // Lightning connects with SSL but without certificate verification in production; an operator
  // who wants verification says so in the URL (`?sslmode=verify-full`), which pg then honours.
  const urlSetsSsl = /[?&](sslmode|ssl)=/.test(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.poolSize,
    statement_timeout: settings.statementTimeoutMs,
    connectionTimeoutMillis: 5_000,
    ssl: settings.ssl && !urlSetsSsl ? { rejectUnauthorized: false } : undefined,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});

  const deadline = Date.now() + settings.connectTimeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      break;
    } catch (error) {
      const reason = (error as Error).message || String(error);
      if (!isTransientDatabaseError(error) || Date.now() >= deadline) {
        await pool.end().catch(() => {});
        throw new DatabaseUnreachableError(
          `Cannot connect to the database at ${location}: ${reason}${
            isTransientDatabaseError(error)
              ? ` (gave up after ${settings.connectTimeoutSeconds} s)`
              : ''
          }${sslHint(reason, urlSetsSsl)}`,
        );
      }
      const delay = Math.min(5_000, 250 * 2 ** (attempt - 1));
      options.onRetry?.(
        `Cannot reach the database at ${location} (${reason}); retrying in ${delay} ms`,
      );
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    }
  }

  const db = drizzlePg({ client: pool, schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    location,
    pool,
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}

/**
 * Production connects with SSL; a PostgreSQL without it refuses with pg's bare "The server does
 * not support SSL connections", which does not say what to change.
 */
function sslHint(reason: string, urlSetsSsl: boolean): string {
  if (!/does not support SSL/i.test(reason)) return '';
  return urlSetsSsl
    ? '. DATABASE_URL asks for SSL (sslmode/ssl): remove that, or enable SSL on the database server'
    : '. Enable SSL on the database server, or set DISABLE_DB_SSL=true to connect without it (the connection is then not encrypted)';
}

async function openPglite(dataDir: string, options: OpenOptions): Promise<DatabaseHandle> {
  let location = 'memory';
  let target: string | undefined;
  let unlock = () => {};
  if (!options.inMemory) {
    location = join(dataDir, 'pgdata');
    mkdirSync(location, { recursive: true });
    target = location;
    try {
      unlock = lockDataDirectory(join(dataDir, 'pglite.lock'), location);
    } catch (error) {
      if (error instanceof DataDirectoryLockedError) {
        // A running instance holds the directory: use its database through its socket.
        if (options.throughRunningInstance) {
          return connectToRunningInstance(dataDir, location, error);
        }
        throw new DatabaseUnreachableError(error.message);
      }
      throw error;
    }
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(target, { startParams: PGLITE_START_PARAMS });
  } catch (error) {
    unlock();
    throw new DatabaseUnreachableError(
      `Cannot open the embedded database in ${location}: ${(error as Error).message}`,
    );
  }
  let socket: EmbeddedSocket | undefined;
  if (!options.inMemory) {
    try {
      socket = await serveEmbeddedSocket(pglite, dataDir);
    } catch (error) {
      await pglite.close().catch(() => {});
      unlock();
      throw new DatabaseUnreachableError(
        `Cannot share the embedded database in ${location}: ${(error as Error).message}`,
      );
    }
  }
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    location,
    pglite,
    ping: async () => {
      await db.execute(sql`SELECT 1`);
    },
    close: async () => {
      try {
        await socket?.close();
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * The data directory is held by a live Lightning process, which serves it on its socket: connect
 * there (one connection; PGlite runs one statement at a time anyway). A holder that does not serve
 * the socket (still starting, or an older version) gets the lock's message.
 */
async function connectToRunningInstance(
  dataDir: string,
  location: string,
  locked: DataDirectoryLockedError,
): Promise<DatabaseHandle> {
  const socketPath = embeddedSocketPath(dataDir);
  if (!existsSync(socketPath)) throw new DatabaseUnreachableError(locked.message);
  const pool = new pg.Pool({
    // An absolute directory: pg takes a host starting with '/' as a socket directory.
    host: resolve(dataDir),
    port: EMBEDDED_SOCKET_PORT,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseUnreachableError(
      `${locked.message} Its socket ${socketPath} did not answer: ${(error as Error).message}`,
    );
  }
  const db = drizzlePg({ client: pool, schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    location: `${location} (through the running instance's socket)`,
    pool,
    viaSocket: true,
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
