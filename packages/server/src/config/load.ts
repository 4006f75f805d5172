// Builds the one typed configuration object from the environment. Every problem is collected and
// reported together (`ConfigError`), each naming its variable, so an operator fixes them in one go.
import { accessSync, constants, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { endpointUrlProblem } from '../oauth/endpoint-url.js';
import * as p from './parsers.js';
import type { VariableName } from './variables.js';

export type Purpose = 'server' | 'worker' | 'embedded' | 'tool';
export type Environment = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((problem) => `  - ${problem}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface Config {
  production: boolean;
  dataDir: string;
  logLevel: string;
  database: {
    /** Undefined: embedded PGlite in `dataDir`. */
    url: string | undefined;
    ssl: boolean;
    poolSize: number;
    statementTimeoutMs: number;
    connectTimeoutSeconds: number;
  };
  http: {
    listenAddress: string;
    port: number;
    idleTimeoutSeconds: number;
    /** CORS_ORIGIN: `['*']` or exact origins allowed to call the API from a browser. */
    corsOrigins: string[];
    /** ORIGINS; undefined = the instance's own origin (see http/origin-check.ts). */
    origins: p.OriginPattern[] | undefined;
    /** TRUSTED_PROXIES: peers whose X-Forwarded-For names the client; empty = none. */
    trustedProxies: string[];
    publicUrl: string;
    secretKeyBase: string | undefined;
  };
  encryption: { primaryKey: Buffer | undefined; retiredKeys: Buffer[] };
  workers: {
    runsPrivateKeyPem: string | undefined;
    lightningPublicKeyPem: string | undefined;
    secret: string | undefined;
    capacity: number;
    maxRunMemoryMb: number;
    maxRunDurationSeconds: number;
    /** WORKER_MAX_LOG_PAYLOAD_MB. */
    maxLogPayloadMb: number;
    runGracePeriodSeconds: number;
    serviceUrl: string;
    name: string;
    adaptorsPath: string;
    adaptorsRegistryJsonPath: string | undefined;
    /** WORKER_COLLECTIONS_URL; undefined: derived from `serviceUrl` (`…/collections`). */
    collectionsUrl: string | undefined;
    /** WORKER_COLLECTIONS_VERSION: the `@openfn/language-collections` version jobs get. */
    collectionsVersion: string;
  };
  limits: {
    maxDataclipSizeMb: number;
    maxCredentialSensitiveValues: number;
    perWorkflowClaimLimit: number;
    claimWorkMem: string | undefined;
    queueResultRetentionMinutes: number;
    /** COLLECTIONS_MAX_ITEM_BYTES: largest key + value of one collection item. */
    collectionItemMaxBytes: number;
    /** COLLECTIONS_MAX_PROJECT_BYTES: all collection items of a project; 0 = no limit. */
    collectionsProjectMaxBytes: number;
  };
  webhookRetry: {
    maxAttempts: number;
    initialDelayMs: number;
    maxDelayMs: number;
    backoffFactor: number;
    timeoutMs: number;
    jitter: boolean;
  };
  accounts: { allowSignup: boolean; requireEmailVerification: boolean; isResettableDemo: boolean };
  mail: {
    provider: 'local' | 'mailgun' | 'smtp';
    from: string;
    senderName: string;
    mailgun: { apiKey: string | undefined; domain: string | undefined };
    smtp: {
      username: string | undefined;
      password: string | undefined;
      relay: string | undefined;
      tls: 'true' | 'false' | 'if_available';
      port: number;
    };
  };
  storage: {
    backend: 'local' | 'gcs';
    path: string;
    gcsBucket: string | undefined;
    gcsCredentials: Record<string, unknown> | undefined;
  };
  github: {
    /**
     * GITHUB_APP_ID, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_CERT are all set:
     * version control is on (and REPO_CONNECTION_SIGNING_SECRET and GITHUB_APP_NAME are required).
     */
    enabled: boolean;
    /** TEST_GITHUB_API_URL: the GitHub API stand-in of the tests; undefined = api.github.com. */
    apiUrl: string | undefined;
    appId: string | undefined;
    appName: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    cert: string | undefined;
    repoConnectionSigningSecret: string | undefined;
  };
  /** Single sign-on with an OpenID Connect provider; null when SSO_ISSUER is unset. */
  sso: {
    issuer: string;
    clientId: string;
    clientSecret: string;
    /** Lower-case email domains; empty: any. */
    allowedDomains: string[];
    autoProvision: boolean;
    disablePasswordLogin: boolean;
  } | null;
  oauth: {
    google: { clientId: string | undefined; clientSecret: string | undefined; issuer: string };
    salesforce: { clientId: string | undefined; clientSecret: string | undefined; issuer: string };
    /** OAUTH_REFRESH_MARGIN_SECONDS */
    refreshMarginSeconds: number;
  };
  schemasPath: string | undefined;
  cluster: {
    postgresDiscovery: boolean;
    channelName: string;
    k8sHeadlessService: string | undefined;
  };
  metrics: {
    enabled: boolean;
    authorizationRequired: boolean;
    token: string | undefined;
    expensiveMetrics: boolean;
    endpointScheme: string;
    grafana: {
      datasourceId: string;
      host: string | undefined;
      user: string | undefined;
      password: string | undefined;
      uploadDashboardsOnStart: boolean;
    };
    runPerformanceAgeSeconds: number;
    runQueueAgeSeconds: number;
    stalledRunThresholdSeconds: number;
    unclaimedRunThresholdSeconds: number;
    uiMetrics: boolean;
    sentryDsn: string | undefined;
  };
  usageTracking: {
    enabled: boolean;
    host: string;
    dailyBatchSize: number;
    resubmissionBatchSize: number;
    runChunkSize: number;
    uuids: 'hashed_only' | 'cleartext';
  };
  ai: { apiKey: string | undefined; apolloEndpoint: string | undefined };
  kafka: {
    enabled: boolean;
    consumers: number;
    messagesPerSecond: number;
    processors: number;
    duplicateTrackingRetentionSeconds: number;
    notificationEmbargoSeconds: number;
    alternateStorageEnabled: boolean;
    alternateStoragePath: string | undefined;
  };
}

export interface LoadedConfig {
  config: Config;
  /** Things that are allowed but worth telling the operator at start. */
  warnings: string[];
}

export interface LoadOptions {
  /** What is starting: decides which secrets production requires. Default `server`. */
  purpose?: Purpose;
  /** Base for relative paths; default the process's working directory. */
  cwd?: string;
}

/**
 * Reads and validates the whole configuration.
 *
 * @example
 *   const { config, warnings } = loadConfig(process.env, { purpose: 'server' });
 * @throws ConfigError listing every problem, each naming its variable.
 */
export function loadConfig(env: Environment, options: LoadOptions = {}): LoadedConfig {
  const purpose = options.purpose ?? 'server';
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const warnings: string[] = [];

  const raw = (name: VariableName): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  function read<T>(name: VariableName, parse: p.Parser<T>): T | undefined;
  function read<T>(name: VariableName, parse: p.Parser<T>, fallback: T): T;
  function read<T>(name: VariableName, parse: p.Parser<T>, fallback?: T): T | undefined {
    const value = raw(name);
    if (value === undefined) return fallback;
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof p.ConfigProblem)) throw error;
      problems.push(`${name} ${error.message}`);
      return fallback;
    }
  }
  const requireFor = (condition: boolean, name: VariableName, why: string) => {
    if (condition && raw(name) === undefined) problems.push(`${name} is required ${why}`);
  };

  const nodeEnv = read('NODE_ENV', p.oneOf('development', 'production', 'test'), 'development');
  const mixEnv = read('MIX_ENV', p.oneOf('dev', 'test', 'prod'));
  const production = nodeEnv === 'production' || mixEnv === 'prod';
  const dataDir = resolve(cwd, read('LIGHTNING_DATA_DIR', p.nonEmpty, './.lightning'));

  // Database
  const databaseUrl = read('DATABASE_URL', p.url('postgres', 'postgresql'));
  const disableDbSsl = read('DISABLE_DB_SSL', p.bool, false);
  if (production && (purpose === 'server' || purpose === 'tool')) {
    requireFor(true, 'DATABASE_URL', 'in production (the embedded database is for development)');
  }

  // HTTP
  const port = read('PORT', p.port, 4000);
  const webhookRetryTimeoutMs = read('WEBHOOK_RETRY_TIMEOUT_MS', p.positiveInt, 60_000);
  const minimumIdle = Math.ceil((webhookRetryTimeoutMs + 15_000) / 1000);
  const idleTimeoutSeconds = read('IDLE_TIMEOUT', p.positiveInt, Math.max(60, minimumIdle));
  if (idleTimeoutSeconds < minimumIdle) {
    warnings.push(
      `IDLE_TIMEOUT (${idleTimeoutSeconds} s) is below WEBHOOK_RETRY_TIMEOUT_MS + 15 s (${minimumIdle} s): long webhook retries may be cut off`,
    );
  }
  const urlScheme = read('URL_SCHEME', p.oneOf('http', 'https'), 'http');
  const urlHost = read('URL_HOST', p.nonEmpty, 'localhost');
  const urlPort = read('URL_PORT', p.port, port);
  const defaultPort =
    (urlScheme === 'https' && urlPort === 443) || (urlScheme === 'http' && urlPort === 80);
  const secretKeyBase = read('SECRET_KEY_BASE', (value) => {
    if (value.length < 64)
      throw new p.ConfigProblem(`must be at least 64 characters long (got ${value.length})`);
    return value;
  });

  // Encryption
  const primaryKey = read('PRIMARY_ENCRYPTION_KEY', p.encryptionKey);
  const retiredKeys = read('RETIRED_ENCRYPTION_KEYS', p.encryptionKeyList, []);

  // Workers
  const runsPrivateKeyPem = read('WORKER_RUNS_PRIVATE_KEY', p.rsaPrivateKeyPem);
  const lightningPublicKeyPem = read('WORKER_LIGHTNING_PUBLIC_KEY', p.rsaPublicKeyPem);
  const workerSecret = read('WORKER_SECRET', p.nonEmpty);
  const legacyDuration = read('MAX_RUN_DURATION_SECONDS', p.positiveInt);
  const maxRunDurationSeconds = read(
    'WORKER_MAX_RUN_DURATION_SECONDS',
    p.positiveInt,
    legacyDuration ?? 300,
  );

  if (production && purpose === 'server') {
    requireFor(
      true,
      'PRIMARY_ENCRYPTION_KEY',
      'in production; generate one with `lightning gen-encryption-key`',
    );
    requireFor(true, 'SECRET_KEY_BASE', 'in production (at least 64 random characters)');
    requireFor(
      true,
      'WORKER_RUNS_PRIVATE_KEY',
      'in production; generate with `lightning gen-worker-keys`',
    );
    requireFor(true, 'WORKER_SECRET', 'in production; generate with `lightning gen-worker-keys`');
  }
  if (purpose === 'worker') {
    requireFor(true, 'WORKER_SECRET', 'to start a worker (the server and its workers share it)');
  }

  // Limits
  const claimWorkMemRaw = env.CLAIM_WORK_MEM;
  const claimWorkMem =
    claimWorkMemRaw === undefined
      ? production
        ? '32MB'
        : undefined
      : claimWorkMemRaw.trim() === ''
        ? undefined
        : read('CLAIM_WORK_MEM', p.pgMemory);

  // Mail
  const mailProvider = read('MAIL_PROVIDER', p.oneOf('local', 'mailgun', 'smtp'), 'local');
  if (mailProvider === 'mailgun') {
    requireFor(true, 'MAILGUN_API_KEY', 'when MAIL_PROVIDER=mailgun');
    requireFor(true, 'MAILGUN_DOMAIN', 'when MAIL_PROVIDER=mailgun');
  }
  if (mailProvider === 'smtp') {
    for (const name of ['SMTP_USERNAME', 'SMTP_PASSWORD', 'SMTP_RELAY'] as const) {
      requireFor(true, name, 'when MAIL_PROVIDER=smtp');
    }
  }
  const emailAdmin = read(
    'EMAIL_ADMIN',
    (value) => {
      if (!/^[^\s@]+@[^\s@]+$/.test(value.trim())) {
        throw new p.ConfigProblem(`must be an email address (got "${value}")`);
      }
      return value.trim();
    },
    'lightning@example.com',
  );

  // Storage
  const storageBackend = read('STORAGE_BACKEND', p.oneOf('local', 'gcs'), 'local');
  if (storageBackend === 'gcs') {
    requireFor(true, 'GCS_BUCKET', 'when STORAGE_BACKEND=gcs');
    requireFor(true, 'GOOGLE_APPLICATION_CREDENTIALS_JSON', 'when STORAGE_BACKEND=gcs');
  }

  // Single sign-on
  const ssoIssuer = read('SSO_ISSUER', issuerUrl);
  const ssoClientId = read('SSO_CLIENT_ID', p.nonEmpty);
  const ssoClientSecret = read('SSO_CLIENT_SECRET', p.nonEmpty);
  if (raw('SSO_ISSUER') !== undefined) {
    requireFor(true, 'SSO_CLIENT_ID', 'when SSO_ISSUER is set');
    requireFor(true, 'SSO_CLIENT_SECRET', 'when SSO_ISSUER is set');
  }
  const ssoAllowedDomains = read('SSO_ALLOWED_DOMAINS', p.list, []).map((domain) =>
    domain.replace(/^@/, '').toLowerCase(),
  );
  const ssoAutoProvision = read('SSO_AUTO_PROVISION', p.bool, false);
  const ssoDisablePasswordLogin = read('SSO_DISABLE_PASSWORD_LOGIN', p.bool, false);
  const sso =
    ssoIssuer && ssoClientId && ssoClientSecret
      ? {
          issuer: ssoIssuer,
          clientId: ssoClientId,
          clientSecret: ssoClientSecret,
          allowedDomains: ssoAllowedDomains,
          autoProvision: ssoAutoProvision,
          disablePasswordLogin: ssoDisablePasswordLogin,
        }
      : null;

  // Kafka
  const kafkaAlternateStorageEnabled = read('KAFKA_ALTERNATE_STORAGE_ENABLED', p.bool, false);
  const kafkaAlternateStoragePath = read('KAFKA_ALTERNATE_STORAGE_PATH', (value) =>
    resolve(cwd, value),
  );
  if (kafkaAlternateStorageEnabled) {
    if (!kafkaAlternateStoragePath) {
      problems.push(
        'KAFKA_ALTERNATE_STORAGE_PATH is required when KAFKA_ALTERNATE_STORAGE_ENABLED=true',
      );
    } else if (!isWritableDirectory(kafkaAlternateStoragePath)) {
      problems.push(
        `KAFKA_ALTERNATE_STORAGE_PATH must be an existing, writable directory (got "${kafkaAlternateStoragePath}")`,
      );
    }
  }

  // GitHub: on when the app's four variables are set, as in Lightning; then the connection tokens
  // need their signing secret, and the install link the app's name.
  const githubApp = {
    appId: read('GITHUB_APP_ID', p.nonEmpty),
    clientId: read('GITHUB_APP_CLIENT_ID', p.nonEmpty),
    clientSecret: read('GITHUB_APP_CLIENT_SECRET', p.nonEmpty),
    cert: read('GITHUB_CERT', (value) => {
      const pem = p.decodeBase64(value)?.toString('utf8');
      if (!pem?.includes('PRIVATE KEY')) {
        throw new p.ConfigProblem('must be the base64 of the GitHub App private key (PEM)');
      }
      return pem;
    }),
  };
  const githubMissing = (
    ['GITHUB_APP_ID', 'GITHUB_APP_CLIENT_ID', 'GITHUB_APP_CLIENT_SECRET', 'GITHUB_CERT'] as const
  ).filter((name) => raw(name) === undefined);
  const githubEnabled = githubMissing.length === 0;
  if (githubEnabled && (purpose === 'server' || purpose === 'embedded')) {
    requireFor(
      true,
      'REPO_CONNECTION_SIGNING_SECRET',
      'when the GitHub App is configured (it signs the tokens GitHub Actions call back with); generate one with `lightning gen-encryption-key`',
    );
    requireFor(
      true,
      'GITHUB_APP_NAME',
      'when the GitHub App is configured (the link that installs the app uses it)',
    );
  } else if (githubMissing.length < 4) {
    warnings.push(
      `GitHub version control is off: ${githubMissing.join(', ')} ${githubMissing.length === 1 ? 'is' : 'are'} not set (it needs GITHUB_APP_ID, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_CERT)`,
    );
  }
  const githubApiUrl = read('TEST_GITHUB_API_URL', p.url('http', 'https'));
  if (githubApiUrl !== undefined && production) {
    problems.push('TEST_GITHUB_API_URL is for tests only and must not be set in production');
  }
  const github: Config['github'] = {
    enabled: githubEnabled,
    apiUrl: githubApiUrl?.replace(/\/+$/, ''),
    ...githubApp,
    appName: read('GITHUB_APP_NAME', p.nonEmpty),
    repoConnectionSigningSecret: read('REPO_CONNECTION_SIGNING_SECRET', p.nonEmpty),
  };

  const config: Config = {
    production,
    dataDir,
    logLevel: read('LOG_LEVEL', p.logLevel, 'info').replace('warning', 'warn'),
    database: {
      url: databaseUrl,
      ssl: production && !disableDbSsl,
      poolSize: read('DATABASE_POOL_SIZE', p.positiveInt, 10),
      statementTimeoutMs: read('DATABASE_TIMEOUT', p.positiveInt, 15_000),
      connectTimeoutSeconds: read('DATABASE_CONNECT_TIMEOUT_SECONDS', p.nonNegativeInt, 30),
    },
    http: {
      listenAddress: read('LISTEN_ADDRESS', p.nonEmpty, '127.0.0.1'),
      port,
      idleTimeoutSeconds,
      corsOrigins: read('CORS_ORIGIN', p.corsOriginList, ['*']),
      origins: read('ORIGINS', p.originPatternList),
      trustedProxies: read('TRUSTED_PROXIES', p.trustedProxyList, []),
      publicUrl: `${urlScheme}://${urlHost}${defaultPort ? '' : `:${urlPort}`}`,
      secretKeyBase,
    },
    encryption: { primaryKey, retiredKeys },
    workers: {
      runsPrivateKeyPem,
      lightningPublicKeyPem,
      secret: workerSecret,
      capacity: read('WORKER_CAPACITY', p.positiveInt, 5),
      maxRunMemoryMb: read('WORKER_MAX_RUN_MEMORY_MB', p.positiveInt, 500),
      maxRunDurationSeconds,
      maxLogPayloadMb: read('WORKER_MAX_LOG_PAYLOAD_MB', p.positiveNumber, 1),
      runGracePeriodSeconds: read('RUN_GRACE_PERIOD_SECONDS', p.nonNegativeInt, 10),
      serviceUrl: read(
        'WORKER_LIGHTNING_SERVICE_URL',
        p.url('ws', 'wss'),
        'ws://localhost:4000/worker',
      ),
      name: read('WORKER_NAME', p.nonEmpty, hostname()),
      adaptorsPath: resolve(cwd, read('ADAPTORS_PATH', p.nonEmpty, resolve(dataDir, 'adaptors'))),
      adaptorsRegistryJsonPath: read('ADAPTORS_REGISTRY_JSON_PATH', (value) => resolve(cwd, value)),
      collectionsUrl: read('WORKER_COLLECTIONS_URL', p.url('http', 'https')),
      collectionsVersion: read('WORKER_COLLECTIONS_VERSION', p.nonEmpty, 'latest'),
    },
    limits: {
      maxDataclipSizeMb: read('MAX_DATACLIP_SIZE_MB', p.positiveInt, 10),
      maxCredentialSensitiveValues: read('MAX_CREDENTIAL_SENSITIVE_VALUES', p.positiveInt, 50),
      perWorkflowClaimLimit: read('PER_WORKFLOW_CLAIM_LIMIT', p.positiveInt, 50),
      claimWorkMem,
      queueResultRetentionMinutes: read('QUEUE_RESULT_RETENTION_PERIOD_MINUTES', p.positiveInt, 60),
      collectionItemMaxBytes: read('COLLECTIONS_MAX_ITEM_BYTES', p.positiveInt, 1_000_000),
      collectionsProjectMaxBytes: read('COLLECTIONS_MAX_PROJECT_BYTES', p.nonNegativeInt, 0),
    },
    webhookRetry: {
      maxAttempts: read('WEBHOOK_RETRY_MAX_ATTEMPTS', p.positiveInt, 5),
      initialDelayMs: read('WEBHOOK_RETRY_INITIAL_DELAY_MS', p.nonNegativeInt, 100),
      maxDelayMs: read('WEBHOOK_RETRY_MAX_DELAY_MS', p.nonNegativeInt, 10_000),
      backoffFactor: read('WEBHOOK_RETRY_BACKOFF_FACTOR', p.positiveNumber, 2),
      timeoutMs: webhookRetryTimeoutMs,
      jitter: read('WEBHOOK_RETRY_JITTER', p.bool, true),
    },
    accounts: {
      allowSignup: read('ALLOW_SIGNUP', p.bool, true),
      requireEmailVerification: read('REQUIRE_EMAIL_VERIFICATION', p.bool, false),
      isResettableDemo: read('IS_RESETTABLE_DEMO', p.bool, false),
    },
    mail: {
      provider: mailProvider,
      from: emailAdmin,
      senderName: read('EMAIL_SENDER_NAME', p.nonEmpty, 'Lightning'),
      mailgun: {
        apiKey: read('MAILGUN_API_KEY', p.nonEmpty),
        domain: read('MAILGUN_DOMAIN', p.nonEmpty),
      },
      smtp: {
        username: read('SMTP_USERNAME', p.text),
        password: read('SMTP_PASSWORD', p.text),
        relay: read('SMTP_RELAY', p.nonEmpty),
        tls: read('SMTP_TLS', p.oneOf('true', 'false', 'if_available'), 'true'),
        port: read('SMTP_PORT', p.port, 587),
      },
    },
    storage: {
      backend: storageBackend,
      path: resolve(cwd, read('STORAGE_PATH', p.nonEmpty, '.')),
      gcsBucket: read('GCS_BUCKET', p.nonEmpty),
      gcsCredentials: read('GOOGLE_APPLICATION_CREDENTIALS_JSON', p.base64Json),
    },
    github,
    sso,
    oauth: {
      google: {
        clientId: read('GOOGLE_CLIENT_ID', p.nonEmpty),
        clientSecret: read('GOOGLE_CLIENT_SECRET', p.nonEmpty),
        issuer: read('GOOGLE_OAUTH_ISSUER', issuerUrl, 'https://accounts.google.com'),
      },
      salesforce: {
        clientId: read('SALESFORCE_CLIENT_ID', p.nonEmpty),
        clientSecret: read('SALESFORCE_CLIENT_SECRET', p.nonEmpty),
        issuer: read('SALESFORCE_OAUTH_ISSUER', issuerUrl, 'https://login.salesforce.com'),
      },
      refreshMarginSeconds: read('OAUTH_REFRESH_MARGIN_SECONDS', p.nonNegativeInt, 300),
    },
    schemasPath: read('SCHEMAS_PATH', (value) => resolve(cwd, value)),
    cluster: {
      postgresDiscovery: read('ERLANG_NODE_DISCOVERY_VIA_POSTGRES_ENABLED', p.bool, false),
      channelName: read(
        'ERLANG_NODE_DISCOVERY_VIA_POSTGRES_CHANNEL_NAME',
        p.nonEmpty,
        'lightning-cluster',
      ),
      k8sHeadlessService: read('K8S_HEADLESS_SERVICE', p.nonEmpty),
    },
    metrics: {
      enabled: read('PROMEX_ENABLED', p.bool, false),
      authorizationRequired: read('PROMEX_METRICS_ENDPOINT_AUTHORIZATION_REQUIRED', p.bool, true),
      token: read('PROMEX_METRICS_ENDPOINT_TOKEN', p.nonEmpty),
      expensiveMetrics: read('PROMEX_EXPENSIVE_METRICS_ENABLED', p.bool, false),
      endpointScheme: read('PROMEX_ENDPOINT_SCHEME', p.oneOf('http', 'https'), 'https'),
      grafana: {
        datasourceId: read('PROMEX_DATASOURCE_ID', p.text, ''),
        host: read('PROMEX_GRAFANA_HOST', p.nonEmpty),
        user: read('PROMEX_GRAFANA_USER', p.nonEmpty),
        password: read('PROMEX_GRAFANA_PASSWORD', p.text),
        uploadDashboardsOnStart: read('PROMEX_UPLOAD_GRAFANA_DASHBOARDS_ON_START', p.bool, false),
      },
      runPerformanceAgeSeconds: read('METRICS_RUN_PERFORMANCE_AGE_SECONDS', p.positiveInt, 300),
      runQueueAgeSeconds: read('METRICS_RUN_QUEUE_AGE_SECONDS', p.positiveInt, 5),
      stalledRunThresholdSeconds: read(
        'METRICS_STALLED_RUN_THRESHOLD_SECONDS',
        p.positiveInt,
        3600,
      ),
      unclaimedRunThresholdSeconds: read(
        'METRICS_UNCLAIMED_RUN_THRESHOLD_SECONDS',
        p.positiveInt,
        10,
      ),
      uiMetrics: read('UI_METRICS_ENABLED', p.bool, false),
      sentryDsn: read('SENTRY_DSN', p.url('http', 'https')),
    },
    usageTracking: {
      enabled: read('USAGE_TRACKING_ENABLED', p.bool, true),
      host: read('USAGE_TRACKER_HOST', p.url('http', 'https'), 'https://impact.openfn.org'),
      dailyBatchSize: read('USAGE_TRACKING_DAILY_BATCH_SIZE', p.positiveInt, 10),
      resubmissionBatchSize: read('USAGE_TRACKING_RESUBMISSION_BATCH_SIZE', p.positiveInt, 10),
      runChunkSize: read('USAGE_TRACKING_RUN_CHUNK_SIZE', p.positiveInt, 100),
      uuids: read('USAGE_TRACKING_UUIDS', p.oneOf('hashed_only', 'cleartext'), 'hashed_only'),
    },
    ai: {
      apiKey: read('AI_ASSISTANT_API_KEY', p.nonEmpty),
      apolloEndpoint: read('APOLLO_ENDPOINT', p.url('http', 'https')),
    },
    kafka: {
      enabled: read('KAFKA_TRIGGERS_ENABLED', p.bool, false),
      consumers: read('KAFKA_NUMBER_OF_CONSUMERS', p.positiveInt, 1),
      messagesPerSecond: read('KAFKA_NUMBER_OF_MESSAGES_PER_SECOND', p.messagesPerSecond, 1),
      processors: read('KAFKA_NUMBER_OF_PROCESSORS', p.positiveInt, 1),
      duplicateTrackingRetentionSeconds: read(
        'KAFKA_DUPLICATE_TRACKING_RETENTION_SECONDS',
        p.positiveInt,
        3600,
      ),
      notificationEmbargoSeconds: read('KAFKA_NOTIFICATION_EMBARGO_SECONDS', p.positiveInt, 3600),
      alternateStorageEnabled: kafkaAlternateStorageEnabled,
      alternateStoragePath: kafkaAlternateStoragePath,
    },
  };

  if (config.webhookRetry.initialDelayMs > config.webhookRetry.maxDelayMs) {
    problems.push(
      `WEBHOOK_RETRY_INITIAL_DELAY_MS (${config.webhookRetry.initialDelayMs}) must not exceed WEBHOOK_RETRY_MAX_DELAY_MS (${config.webhookRetry.maxDelayMs})`,
    );
  }
  if (production && disableDbSsl) {
    warnings.push('DISABLE_DB_SSL=true: the database connection is not encrypted');
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { config, warnings };
}

function isWritableDirectory(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** An OAuth issuer or endpoint: https, or plain http to this machine only (oauth/endpoint-url.ts). */
function issuerUrl(value: string): string {
  const problem = endpointUrlProblem(value.trim());
  if (problem) throw new p.ConfigProblem(`${problem} (got "${value}")`);
  return value.trim();
}
