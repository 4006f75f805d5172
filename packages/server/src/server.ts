// Starts one server node: database (with bounded retries), migrations, HTTP. Returns a handle whose
// `close` shuts down gracefully: stop accepting, finish in-flight requests, close the database.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Bus, createBus } from './cluster/index.js';
import type { Config } from './config/index.js';
import { type DatabaseHandle, migrateDatabase, openDatabase } from './db/index.js';
import { buildApp } from './http/index.js';
import { createMailer, startFailureAlerts, startProjectDigests } from './notifications/index.js';
import {
  collectProcessMetrics,
  createErrorReporter,
  createServerMetrics,
  reportErrorLogs,
  type ServerMetrics,
  startRunQueueMetrics,
  startUsageTracking,
  uploadDashboards,
} from './observability/index.js';
import { createWorkOrder, startLostRunSweeper, startRetentionCleaner } from './runs/index.js';
import {
  type KafkaConsumers,
  startKafkaConsumers,
  startKafkaRecordPurge,
} from './triggers/kafka/index.js';
import { createVault, type Vault } from './vault/index.js';

export interface RunningServer {
  app: FastifyInstance;
  database: DatabaseHandle;
  vault: Vault;
  bus: Bus;
  metrics: ServerMetrics;
  /** This node's Kafka consumers (KAFKA_TRIGGERS_ENABLED=yes only). */
  kafka?: KafkaConsumers;
  /** The address actually bound, e.g. `http://127.0.0.1:4000`. */
  url: string;
  close(): Promise<void>;
}

export interface StartServerOptions {
  config: Config;
  logger: Logger;
  /** Use an already open database (tests, embedded mode); otherwise one is opened from config. */
  database?: DatabaseHandle;
}

export async function startServer({
  config,
  logger: baseLogger,
  database,
}: StartServerOptions): Promise<RunningServer> {
  // SENTRY_DSN: every error the server logs with its error object also goes to Sentry.
  const errorReporter = createErrorReporter({
    dsn: config.metrics.sentryDsn,
    environment: config.production ? 'production' : 'development',
    component: 'server',
  });
  const logger = errorReporter.isEnabled ? reportErrorLogs(baseLogger, errorReporter) : baseLogger;
  const { primaryKey, retiredKeys } = config.encryption;
  if (!primaryKey) throw new Error('PRIMARY_ENCRYPTION_KEY is required to start the server');
  const vault = createVault({ primary: primaryKey, retired: retiredKeys });
  let db: DatabaseHandle;
  if (database) {
    db = database;
  } else {
    db = await openDatabase(config, { onRetry: (message) => logger.warn(message) });
    logger.info({ database: db.location, kind: db.kind }, 'database connected');
  }
  let bus: Bus | undefined;
  try {
    await migrateDatabase(db);
    // Across nodes over LISTEN/NOTIFY on PostgreSQL, in-process on PGlite.
    bus = await createBus(db, { channel: config.cluster.channelName, logger });
    const mailer = createMailer({ config, db: db.db, logger });
    const metrics = createServerMetrics({ expensiveMetrics: config.metrics.expensiveMetrics });
    const app = await buildApp({
      config,
      database: db,
      db: db.db,
      logger,
      vault,
      bus,
      mailer,
      metrics,
    });
    const url = await app.listen({ host: config.http.listenAddress, port: config.http.port });
    logger.info({ url }, 'Lightning server listening');
    // Every node sweeps; an advisory lock makes one of them do the work each round.
    const lostRunSweeper = startLostRunSweeper({
      db: db.db,
      bus,
      logger,
      maxRunDurationSeconds: config.workers.maxRunDurationSeconds,
      runGracePeriodSeconds: config.workers.runGracePeriodSeconds,
      metrics,
    });
    // Data retention: every node runs it; an advisory lock makes one of them clean each round.
    const retentionCleaner = startRetentionCleaner({ db: db.db, logger });
    // Failure alerts: every node queues what it hears on the bus; claimed windows make one node
    // send each digest.
    const failureAlerts = startFailureAlerts({
      db: db.db,
      bus,
      mailer,
      logger,
      publicUrl: config.http.publicUrl,
    });
    // Daily/weekly/monthly project digests: every node checks, a claimed row makes one send each.
    const projectDigests = startProjectDigests({
      db: db.db,
      mailer,
      logger,
      publicUrl: config.http.publicUrl,
    });
    // PROMEX_ENABLED: the run-queue gauges (one node computes them each period for all) and the
    // process's own metrics.
    let runQueueMetrics: { stop(): Promise<void> } | undefined;
    if (config.metrics.enabled) {
      collectProcessMetrics(metrics);
      runQueueMetrics = startRunQueueMetrics({
        db: db.db,
        metrics,
        logger,
        nodeName: `${hostname()}:${process.pid}`,
        periodSeconds: config.metrics.runQueueAgeSeconds,
        stalledRunThresholdSeconds: config.metrics.stalledRunThresholdSeconds,
        runPerformanceAgeSeconds: config.metrics.runPerformanceAgeSeconds,
        unclaimedRunThresholdSeconds: config.metrics.unclaimedRunThresholdSeconds,
        expensiveMetrics: config.metrics.expensiveMetrics,
      });
    }
    // PROMEX_UPLOAD_GRAFANA_DASHBOARDS_ON_START: in the background; a failure is only logged.
    const { grafana } = config.metrics;
    const grafanaUpload =
      config.metrics.enabled && grafana.uploadDashboardsOnStart && grafana.host
        ? uploadDashboards({ ...grafana, host: grafana.host, logger }).catch((error: unknown) =>
            logger.warn({ err: error }, 'Grafana: dashboards not uploaded'),
          )
        : undefined;
    // USAGE_TRACKING_ENABLED (on by default, as in Lightning): daily anonymous counts.
    const usageTracking = config.usageTracking.enabled
      ? startUsageTracking({ db: db.db, logger, ...config.usageTracking })
      : undefined;
    // Kafka triggers: every node runs consumers for every enabled trigger (their groups spread
    // the partitions); one node at a time purges old duplicate-tracking records.
    const kafka = config.kafka.enabled
      ? startKafkaConsumers({
          db: db.db,
          vault,
          bus,
          logger,
          createWorkOrder,
          settings: {
            consumers: config.kafka.consumers,
            processors: config.kafka.processors,
            messagesPerSecond: config.kafka.messagesPerSecond,
            ...(config.kafka.alternateStorageEnabled && config.kafka.alternateStoragePath
              ? { alternateStoragePath: config.kafka.alternateStoragePath }
              : {}),
          },
        })
      : undefined;
    const kafkaPurge = config.kafka.enabled
      ? startKafkaRecordPurge({
          db: db.db,
          logger,
          retentionSeconds: config.kafka.duplicateTrackingRetentionSeconds,
        })
      : undefined;
    const runningBus = bus;
    let closing: Promise<void> | undefined;
    return {
      app,
      database: db,
      vault,
      bus: runningBus,
      metrics,
      ...(kafka ? { kafka } : {}),
      url,
      close: () => {
        closing ??= (async () => {
          // Consumers first: a message in flight is stored (or left uncommitted) before the
          // database closes.
          await kafka?.stop();
          await kafkaPurge?.stop();
          await app.close();
          await lostRunSweeper.stop();
          await retentionCleaner.stop();
          await failureAlerts.stop();
          await projectDigests.stop();
          await runQueueMetrics?.stop();
          await usageTracking?.stop();
          await grafanaUpload;
          await runningBus.close();
          if (!database) await db.close();
          await errorReporter.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await bus?.close().catch(() => {});
    if (!database) await db.close().catch(() => {});
    await errorReporter.close();
    throw error;
  }
}
