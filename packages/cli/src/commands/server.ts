import type { RunningServer, config as serverConfig } from '@lightning/server';
import type { Worker } from '@lightning/worker';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { loadCommandConfig } from '../environment.js';
import { createCommandLogger } from '../logger.js';
import { prepareSavedAdaptors } from '../prepare-adaptors.js';

/** `start` (embedded, all-in-one), `server` (one server node) and `worker` (one worker process). */
export function registerServerCommands(program: Command): void {
  program
    .command('start')
    .description(
      'Start a complete instance: server, embedded database (PGlite unless DATABASE_URL is set) and one worker',
    )
    .action(() => runInstance('embedded'));

  program
    .command('server')
    .description('Start one server node (web app, API, webhooks, worker socket)')
    .action(() => runInstance('server'));

  program
    .command('worker')
    .description(
      'Start one worker: connects to WORKER_LIGHTNING_SERVICE_URL, claims and executes runs',
    )
    .action(() => runWorker());
}

async function workerFor(
  config: serverConfig.Config,
  logger: Logger,
  serviceUrl: string,
  onFatalError: (error: Error) => void,
  isEmbedded = false,
): Promise<Worker> {
  const { createPool, createWorker } = await import('@lightning/worker');
  const { workers } = config;
  if (!workers.secret) throw new Error('WORKER_SECRET is required to start a worker');
  return createWorker({
    serviceUrl,
    secret: workers.secret,
    lightningPublicKey: workers.lightningPublicKeyPem,
    capacity: workers.capacity,
    name: workers.name,
    adaptorsDir: workers.adaptorsPath,
    maxRunMemoryMb: workers.maxRunMemoryMb,
    maxRunDurationSeconds: workers.maxRunDurationSeconds,
    maxLogPayloadMb: workers.maxLogPayloadMb,
    collections: { url: workers.collectionsUrl, version: workers.collectionsVersion },
    logger: logger.child({ component: 'worker' }),
    onFatalError,
    // The embedded instance keeps one child warm and grows to WORKER_CAPACITY when runs need it,
    // so a development instance idles light; a dedicated worker keeps its whole pool warm.
    ...(isEmbedded ? { createPool: (options) => createPool({ ...options, warm: 1 }) } : {}),
  });
}

async function runInstance(purpose: 'embedded' | 'server'): Promise<void> {
  const { startServer } = await import('@lightning/server');
  const { config, warnings } = await loadCommandConfig(purpose);
  const logger = await createCommandLogger(config);
  for (const warning of warnings) logger.warn(warning);

  // Signals are handled from the first moment: a SIGTERM during start-up waits for what has
  // started, then stops it.
  let server: RunningServer | undefined;
  let worker: Worker | undefined;
  let stopPreparing: (() => void) | undefined;
  const stop = onStopSignal(logger, async () => {
    await started.catch(() => {});
    stopPreparing?.();
    await worker?.stop();
    await server?.close();
  });
  const started = (async () => {
    server = await startServer({ config, logger });
    // The embedded instance runs one worker next to the server, over the same socket protocol as
    // a separate worker would (loopback), so both modes share one code path.
    if (purpose === 'embedded') {
      worker = await workerFor(config, logger, embeddedServiceUrl(server, config), stop, true);
      await worker.start();
      logger.info({ capacity: config.workers.capacity }, 'embedded worker started');
      stopPreparing = await prepareSavedAdaptors(server, worker, logger);
    }
  })();
  await started;
}

function embeddedServiceUrl(server: RunningServer, config: serverConfig.Config): string {
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const listen = config.http.listenAddress;
  const host = listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen;
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}/worker`;
}

async function runWorker(): Promise<void> {
  const { config, warnings } = await loadCommandConfig('worker');
  const logger = await createCommandLogger(config);
  for (const warning of warnings) logger.warn(warning);
  if (!config.workers.lightningPublicKeyPem) {
    logger.warn(
      'WORKER_LIGHTNING_PUBLIC_KEY is not set: run tokens are not verified by this worker',
    );
  }
  let worker: Worker | undefined;
  const stop = onStopSignal(logger, async () => {
    await started.catch(() => {});
    await worker?.stop();
  });
  const started = (async () => {
    worker = await workerFor(config, logger, config.workers.serviceUrl, stop);
    await worker.start();
  })();
  await started;
  logger.info(
    { serviceUrl: config.workers.serviceUrl, capacity: config.workers.capacity },
    'worker started',
  );
}

/**
 * Graceful shutdown: on SIGTERM/SIGINT run `stop` (finish in-flight work, close connections),
 * then exit 0. A second signal forces the exit. The function returned does the same for a fatal
 * error (logged, then exit 1), e.g. a worker whose WORKER_LIGHTNING_PUBLIC_KEY is wrong.
 */
function onStopSignal(logger: Logger, stop: () => Promise<void>): (error: Error) => void {
  let stopping = false;
  const shutdown = (exitCode: number) => {
    stopping = true;
    stop().then(
      () => process.exit(exitCode),
      (error) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  const handle = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'forced exit');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    shutdown(0);
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
  return (error) => {
    if (stopping) return;
    logger.error(`${error.message} Shutting down.`);
    shutdown(1);
  };
}
