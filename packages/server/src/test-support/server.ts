// A real server on a random port over a fresh test database, for tests that talk HTTP or WebSocket.
import { randomBytes } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { type Config, generateDevKeys, loadConfig } from '../config/index.js';
import { createLogger } from '../logger.js';
import { type RunningServer, startServer } from '../server.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestServer extends RunningServer {
  config: Config;
  testDatabase: TestDatabase;
  /** Base URL, e.g. http://127.0.0.1:43123 */
  baseUrl: string;
}

/**
 * Starts a server; `env` overrides configuration variables (e.g. `{ MAX_DATACLIP_SIZE_MB: '1' }`);
 * `logDestination` receives the server's log lines (stdout otherwise), for tests that read them.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { logDestination?: DestinationStream } = {},
): Promise<TestServer> {
  const testDatabase = await createTestDatabase();
  const { config } = loadConfig({
    ...generateDevKeys(),
    PORT: '1',
    LOG_LEVEL: 'silent',
    LIGHTNING_DATA_DIR: `/tmp/lightning-test-${randomBytes(4).toString('hex')}`,
    ...env,
  });
  // Port 0: the OS picks a free port (the configuration itself only accepts 1–65535).
  const server = await startServer({
    config: { ...config, http: { ...config.http, port: 0 } },
    logger: createLogger(config.logLevel, 'lightning', options.logDestination),
    database: testDatabase,
  });
  return {
    ...server,
    config,
    testDatabase,
    baseUrl: server.url,
    close: async () => {
      await server.close();
      await testDatabase.close();
    },
  };
}
