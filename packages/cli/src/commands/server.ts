import { createLogger, startServer } from '@lightning/server';
import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';

/** `start` (embedded, all-in-one) and `server` (one server node). */
export function registerServerCommands(program: Command): void {
  program
    .command('start')
    .description(
      'Start a complete instance: server and embedded database (PGlite unless DATABASE_URL is set)',
    )
    .action(() => runServer('embedded'));

  program
    .command('server')
    .description('Start one server node (web app, API, webhooks, worker socket)')
    .action(() => runServer('server'));
}

async function runServer(purpose: 'embedded' | 'server'): Promise<void> {
  const { config, warnings } = loadCommandConfig(purpose);
  const logger = createLogger(config.logLevel);
  for (const warning of warnings) logger.warn(warning);
  const server = await startServer({ config, logger });

  // Graceful shutdown: stop accepting connections, let in-flight requests finish, close the
  // database. A second signal forces the exit.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'forced exit');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
