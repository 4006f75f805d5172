import type { Logger } from 'pino';
import type { Bus } from '../cluster/index.js';
import type { Config } from '../config/index.js';
import type { Database, DatabaseHandle } from '../db/index.js';
import type { Mailer } from '../notifications/index.js';
import type { ServerMetrics } from '../observability/index.js';
import type { Vault } from '../vault/index.js';

/** What every context's routes and services are given: passed in, never imported as globals. */
export interface ServerContext {
  config: Config;
  database: DatabaseHandle;
  db: Database;
  logger: Logger;
  vault: Vault;
  bus: Bus;
  /** Sends email through MAIL_PROVIDER (notifications/mailer.ts). */
  mailer: Mailer;
  /** The node's Prometheus registry and metrics (observability/metrics.ts). */
  metrics: ServerMetrics;
}
