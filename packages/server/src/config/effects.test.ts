// What a few operational variables do, shown on the real thing rather than in the parsed object:
// LOG_LEVEL on the process logger, LISTEN_ADDRESS on the bound socket, and (PostgreSQL only, where
// the pool exists) DATABASE_TIMEOUT and DATABASE_POOL_SIZE on the connection pool.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { openDatabase } from '../db/index.js';
import { createLogger } from '../logger.js';
import { testDatabaseUrl } from '../test-support/database.js';
import { startTestServer } from '../test-support/server.js';
import { loadConfig } from './index.js';

/** A logger built the way the server builds it, from LOG_LEVEL, writing into `lines`. */
function loggerAt(env: Record<string, string>, lines: string[]) {
  const { config } = loadConfig(env);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return createLogger(config.logLevel, 'lightning', sink);
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('LOG_LEVEL', () => {
  it('drops lines below the level and writes those at or above it', () => {
    const atInfo: string[] = [];
    const info = loggerAt({}, atInfo);
    info.debug('a debug detail');
    info.info('an info line');
    expect(atInfo.join('')).not.toContain('a debug detail');
    expect(atInfo.join('')).toContain('an info line');

    const atDebug: string[] = [];
    loggerAt({ LOG_LEVEL: 'debug' }, atDebug).debug('a debug detail');
    expect(atDebug.join('')).toContain('a debug detail');

    const atError: string[] = [];
    loggerAt({ LOG_LEVEL: 'error' }, atError).warn('a warning');
    expect(atError).toEqual([]);
  });
});

describe('LISTEN_ADDRESS', () => {
  it('binds the web server to that address only', async () => {
    const server = await startTestServer({ LISTEN_ADDRESS: '::1' });
    try {
      const port = Number(new URL(server.baseUrl).port);
      expect(new URL(server.baseUrl).hostname).toBe('[::1]');
      expect(await accepts('::1', port)).toBe(true);
      expect(await accepts('127.0.0.1', port)).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!testDatabaseUrl())('on PostgreSQL', () => {
  const open = (env: Record<string, string>) =>
    openDatabase(loadConfig({ DATABASE_URL: testDatabaseUrl()!, ...env }).config);

  it('DATABASE_TIMEOUT cancels a statement that runs longer (SQLSTATE 57014)', async () => {
    const database = await open({ DATABASE_TIMEOUT: '200' });
    try {
      await expect(database.pool!.query('SELECT pg_sleep(5)')).rejects.toMatchObject({
        code: '57014',
      });
    } finally {
      await database.close();
    }
  });

  it('DATABASE_POOL_SIZE caps the connections one node opens', async () => {
    const database = await open({ DATABASE_POOL_SIZE: '2' });
    try {
      const pool = database.pool!;
      const queries = Array.from({ length: 6 }, () => pool.query('SELECT pg_sleep(0.05)'));
      expect(pool.totalCount).toBeLessThanOrEqual(2);
      expect(pool.waitingCount).toBeGreaterThan(0);
      await Promise.all(queries);
      expect(pool.totalCount).toBe(2);
    } finally {
      await database.close();
    }
  });
});
