// Where each catalogued variable's effect is shown by a test (docs.test.ts checks this list): a
// variable of docs/configuration.md either has an entry here, whose test file exists and mentions
// what it exercises, or its description says "Accepted for compatibility; not implemented yet".
// Tests that only parse (load.test.ts) do not count, except for an older or alternative name that
// means the same as another variable (`sameAs`), whose own effect is shown elsewhere.
import type { VariableName } from './variables.js';

export interface VariableTest {
  /** A test file, relative to the repository root. */
  file: string;
  /** What the file mentions to exercise it, when not the variable's name (a config field). */
  shows?: string;
  /** For an alias: the variable it means the same as. */
  sameAs?: VariableName;
}

const cli = 'packages/cli/src/cli.test.ts';
const workerProcess = 'packages/cli/src/worker-process.e2e.test.ts';
const workerKeys = 'packages/cli/src/worker-keys.e2e.test.ts';
const effects = 'packages/server/src/config/effects.test.ts';
const db = 'packages/server/src/db/db.test.ts';
const originCheck = 'packages/server/src/http/origin-check.test.ts';
const retry = 'packages/server/src/triggers/webhook-retry.test.ts';
const mailer = 'packages/server/src/notifications/mailer.test.ts';
const adaptors = 'packages/server/src/adaptors/adaptors.test.ts';

const collections = 'packages/server/src/collections/collections.test.ts';
const metricsRoute = 'packages/server/src/observability/metrics-route.test.ts';
const prometheus = 'packages/server/src/observability/prometheus.test.ts';
const runQueueMetrics = 'packages/server/src/observability/run-queue-metrics.test.ts';
const grafana = 'packages/server/src/observability/grafana-upload.test.ts';
const usageTracking = 'packages/server/src/observability/usage-tracking.test.ts';

const sso = 'packages/server/src/accounts/sso.test.ts';
const oauthCredentials = 'packages/server/src/credentials/oauth-credentials.test.ts';
const vcsUsers = 'packages/server/src/vcs/user-authorization.test.ts';
const kafkaIngest = 'packages/server/src/triggers/kafka/kafka-ingest.test.ts';

export const variableTests: Partial<Record<VariableName, VariableTest[]>> = {
  GITHUB_APP_ID: [{ file: vcsUsers }],
  GITHUB_APP_NAME: [{ file: vcsUsers, shows: 'appName' }],
  GITHUB_APP_CLIENT_ID: [{ file: vcsUsers }],
  GITHUB_APP_CLIENT_SECRET: [{ file: vcsUsers }],
  GITHUB_CERT: [{ file: vcsUsers }],
  REPO_CONNECTION_SIGNING_SECRET: [{ file: vcsUsers }],
  TEST_GITHUB_API_URL: [{ file: vcsUsers }],
  GOOGLE_CLIENT_ID: [{ file: oauthCredentials }],
  GOOGLE_CLIENT_SECRET: [{ file: oauthCredentials }],
  SALESFORCE_CLIENT_ID: [{ file: oauthCredentials }],
  SALESFORCE_CLIENT_SECRET: [{ file: oauthCredentials }],
  GOOGLE_OAUTH_ISSUER: [{ file: oauthCredentials }],
  SALESFORCE_OAUTH_ISSUER: [{ file: oauthCredentials }],
  OAUTH_REFRESH_MARGIN_SECONDS: [{ file: oauthCredentials }],
  SSO_ISSUER: [{ file: sso }],
  SSO_CLIENT_ID: [{ file: sso }],
  SSO_CLIENT_SECRET: [{ file: sso }],
  SSO_ALLOWED_DOMAINS: [{ file: sso }],
  SSO_AUTO_PROVISION: [{ file: sso }],
  SSO_DISABLE_PASSWORD_LOGIN: [{ file: sso }],
  NODE_ENV: [{ file: cli }, { file: db }],
  MIX_ENV: [{ file: 'packages/server/src/config/load.test.ts', sameAs: 'NODE_ENV' }],
  LIGHTNING_DATA_DIR: [{ file: cli }],
  LOG_LEVEL: [{ file: effects }],

  DATABASE_URL: [{ file: db }],
  DISABLE_DB_SSL: [{ file: db }],
  DATABASE_POOL_SIZE: [{ file: effects }],
  DATABASE_TIMEOUT: [{ file: effects }],
  DATABASE_CONNECT_TIMEOUT_SECONDS: [{ file: cli }],

  LISTEN_ADDRESS: [{ file: effects }],
  PORT: [{ file: cli }],
  IDLE_TIMEOUT: [{ file: 'packages/server/src/http/idle-timeout.test.ts' }],
  CORS_ORIGIN: [{ file: 'packages/server/src/http/cors.test.ts' }],
  ORIGINS: [{ file: originCheck }, { file: 'packages/web/e2e/security.e2e.test.ts' }],
  TRUSTED_PROXIES: [{ file: 'packages/server/src/http/client-address.test.ts' }],
  URL_HOST: [{ file: originCheck }],
  URL_PORT: [{ file: originCheck }],
  URL_SCHEME: [
    { file: originCheck },
    { file: 'packages/server/src/http/security-headers.test.ts' },
  ],
  // Sessions signed with it are accepted by the live socket.
  SECRET_KEY_BASE: [{ file: 'packages/server/src/sockets/live.test.ts', shows: 'secretKeyBase' }],

  PRIMARY_ENCRYPTION_KEY: [{ file: cli }],
  RETIRED_ENCRYPTION_KEYS: [{ file: cli }],

  WORKER_RUNS_PRIVATE_KEY: [{ file: workerKeys }],
  WORKER_LIGHTNING_PUBLIC_KEY: [{ file: workerKeys }],
  WORKER_SECRET: [{ file: workerKeys }],
  WORKER_CAPACITY: [{ file: 'packages/worker/src/worker.test.ts', shows: 'capacity' }],
  WORKER_MAX_RUN_MEMORY_MB: [{ file: workerProcess }],
  WORKER_MAX_RUN_DURATION_SECONDS: [{ file: workerProcess }],
  WORKER_MAX_LOG_PAYLOAD_MB: [
    { file: 'packages/cli/src/worker-logs.e2e.test.ts' },
    { file: 'packages/runtime/src/execute/execute-plan.test.ts', shows: 'log_payload_limit_mb' },
  ],
  MAX_RUN_DURATION_SECONDS: [
    { file: 'packages/server/src/config/load.test.ts', sameAs: 'WORKER_MAX_RUN_DURATION_SECONDS' },
  ],
  RUN_GRACE_PERIOD_SECONDS: [{ file: workerProcess }],
  // The test's worker process is started with it pointing at the test server (startWorkerProcess).
  WORKER_LIGHTNING_SERVICE_URL: [{ file: workerProcess, shows: 'startWorkerProcess' }],
  WORKER_NAME: [{ file: workerProcess, shows: 'workerName' }],
  ADAPTORS_PATH: [{ file: adaptors }],
  ADAPTORS_REGISTRY_JSON_PATH: [{ file: adaptors }],
  // The worker gives jobs the /collections of the server it connects to, and the adaptor version.
  WORKER_COLLECTIONS_URL: [
    { file: 'packages/worker/src/collections.e2e.test.ts', shows: 'collectionsUrlOf' },
  ],
  WORKER_COLLECTIONS_VERSION: [
    { file: 'packages/worker/src/collections.e2e.test.ts', shows: 'COLLECTIONS_VERSION' },
  ],

  KAFKA_TRIGGERS_ENABLED: [
    { file: 'packages/server/src/workflows/kafka-triggers.test.ts' },
    { file: kafkaIngest },
  ],
  KAFKA_NUMBER_OF_CONSUMERS: [{ file: kafkaIngest }],
  KAFKA_NUMBER_OF_PROCESSORS: [{ file: kafkaIngest }],
  KAFKA_NUMBER_OF_MESSAGES_PER_SECOND: [
    { file: 'packages/server/src/triggers/kafka/rate-limit.test.ts' },
  ],
  KAFKA_DUPLICATE_TRACKING_RETENTION_SECONDS: [
    { file: 'packages/server/src/triggers/kafka/duplicate-tracking.test.ts' },
  ],
  KAFKA_ALTERNATE_STORAGE_ENABLED: [{ file: kafkaIngest }],
  KAFKA_ALTERNATE_STORAGE_PATH: [{ file: kafkaIngest, shows: 'alternateStoragePath' }],
  MAX_DATACLIP_SIZE_MB: [{ file: 'packages/server/src/triggers/webhook.test.ts' }],
  COLLECTIONS_MAX_ITEM_BYTES: [{ file: collections }],
  COLLECTIONS_MAX_PROJECT_BYTES: [{ file: collections }],
  MAX_CREDENTIAL_SENSITIVE_VALUES: [
    { file: 'packages/server/src/credentials/credentials.test.ts' },
  ],
  PER_WORKFLOW_CLAIM_LIMIT: [
    { file: 'packages/server/src/runs/claim.test.ts', shows: 'perWorkflowLimit' },
  ],
  CLAIM_WORK_MEM: [{ file: 'packages/server/src/runs/claim.test.ts' }],

  WEBHOOK_RETRY_MAX_ATTEMPTS: [{ file: retry, shows: 'maxAttempts' }],
  WEBHOOK_RETRY_INITIAL_DELAY_MS: [{ file: retry, shows: 'initialDelayMs' }],
  WEBHOOK_RETRY_MAX_DELAY_MS: [{ file: retry, shows: 'maxDelayMs' }],
  WEBHOOK_RETRY_BACKOFF_FACTOR: [{ file: retry, shows: 'backoffFactor' }],
  WEBHOOK_RETRY_TIMEOUT_MS: [{ file: retry, shows: 'timeoutMs' }],
  WEBHOOK_RETRY_JITTER: [{ file: retry, shows: 'jitter' }],

  ALLOW_SIGNUP: [{ file: 'packages/server/src/accounts/sign-in.test.ts' }],
  REQUIRE_EMAIL_VERIFICATION: [{ file: 'packages/server/src/accounts/email-flows.test.ts' }],
  IS_RESETTABLE_DEMO: [{ file: 'packages/server/src/demo/demo.test.ts' }],

  MAIL_PROVIDER: [{ file: mailer }],
  EMAIL_ADMIN: [{ file: mailer }],
  EMAIL_SENDER_NAME: [{ file: mailer }],
  MAILGUN_API_KEY: [{ file: mailer }],
  MAILGUN_DOMAIN: [{ file: mailer }],
  SMTP_USERNAME: [{ file: mailer }],
  SMTP_PASSWORD: [{ file: mailer }],
  SMTP_RELAY: [{ file: mailer }],
  SMTP_TLS: [{ file: mailer }],
  SMTP_PORT: [{ file: mailer }],

  SCHEMAS_PATH: [{ file: 'packages/server/src/credentials/schemas.test.ts' }],
  // The cluster bus's PostgreSQL notification channel.
  ERLANG_NODE_DISCOVERY_VIA_POSTGRES_CHANNEL_NAME: [
    { file: 'packages/server/src/cluster/bus.test.ts', shows: 'channel' },
  ],

  PROMEX_ENABLED: [{ file: metricsRoute }, { file: prometheus }],
  PROMEX_METRICS_ENDPOINT_AUTHORIZATION_REQUIRED: [{ file: metricsRoute }],
  PROMEX_METRICS_ENDPOINT_TOKEN: [{ file: metricsRoute }, { file: prometheus }],
  PROMEX_EXPENSIVE_METRICS_ENABLED: [{ file: metricsRoute }, { file: runQueueMetrics }],
  PROMEX_ENDPOINT_SCHEME: [{ file: metricsRoute }],
  METRICS_RUN_PERFORMANCE_AGE_SECONDS: [{ file: runQueueMetrics }],
  METRICS_RUN_QUEUE_AGE_SECONDS: [{ file: runQueueMetrics }, { file: prometheus }],
  METRICS_STALLED_RUN_THRESHOLD_SECONDS: [{ file: runQueueMetrics }],
  METRICS_UNCLAIMED_RUN_THRESHOLD_SECONDS: [{ file: runQueueMetrics }],
  PROMEX_DATASOURCE_ID: [{ file: grafana }],
  PROMEX_GRAFANA_HOST: [{ file: grafana }],
  PROMEX_GRAFANA_USER: [{ file: grafana }],
  PROMEX_GRAFANA_PASSWORD: [{ file: grafana }],
  PROMEX_UPLOAD_GRAFANA_DASHBOARDS_ON_START: [{ file: grafana }],
  SENTRY_DSN: [{ file: 'packages/server/src/observability/sentry.test.ts' }],
  USAGE_TRACKING_ENABLED: [{ file: usageTracking }],
  USAGE_TRACKER_HOST: [{ file: usageTracking }],
  USAGE_TRACKING_DAILY_BATCH_SIZE: [{ file: usageTracking }],
  USAGE_TRACKING_RESUBMISSION_BATCH_SIZE: [{ file: usageTracking }],
  USAGE_TRACKING_RUN_CHUNK_SIZE: [{ file: usageTracking }],
  USAGE_TRACKING_UUIDS: [{ file: usageTracking }],
};
