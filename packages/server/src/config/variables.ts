// Every environment variable Lightning reads, with the default and the feature that reads it.
// This list is the single source for docs/configuration.md: a test fails when the two differ,
// and `load.ts` can only read names that are listed here (the type of `read` enforces it).

export interface VariableDoc {
  /** The feature (documentation section) that reads it. */
  feature: string;
  /** The default as an operator should read it; '' when there is none. */
  default: string;
  description: string;
}

const v = (feature: string, defaultValue: string, description: string): VariableDoc => ({
  feature,
  default: defaultValue,
  description,
});

export const variables = {
  // Runtime environment
  NODE_ENV: v(
    'Environment',
    'development',
    '`production` enables the production rules: required secrets, database SSL, `CLAIM_WORK_MEM` 32MB.',
  ),
  MIX_ENV: v(
    'Environment',
    '',
    'Accepted for compatibility with OpenFn Lightning deployments: `prod` means the same as `NODE_ENV=production`.',
  ),
  LIGHTNING_DATA_DIR: v(
    'Environment',
    './.lightning',
    'Data directory of the embedded mode: PGlite database, generated development keys, default adaptor cache.',
  ),
  LOG_LEVEL: v(
    'Logging',
    'info',
    'How noisy the logs are: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  ),

  // Database
  DATABASE_URL: v(
    'Database',
    '(embedded PGlite)',
    'PostgreSQL connection URL. When unset, an embedded PGlite database in `LIGHTNING_DATA_DIR` is used. Required in production.',
  ),
  DISABLE_DB_SSL: v(
    'Database',
    'false',
    'In production an SSL connection to PostgreSQL is required; `true` allows unencrypted connections (strongly discouraged).',
  ),
  DATABASE_POOL_SIZE: v('Database', '10', 'Connections in the PostgreSQL pool of one server node.'),
  DATABASE_TIMEOUT: v(
    'Database',
    '15000',
    'Statement timeout in milliseconds for ordinary queries.',
  ),
  DATABASE_CONNECT_TIMEOUT_SECONDS: v(
    'Database',
    '30',
    'How long start-up keeps retrying an unreachable database before exiting with status 1.',
  ),

  // HTTP
  LISTEN_ADDRESS: v(
    'HTTP',
    '127.0.0.1',
    'The address the web server binds to. The default blocks access from other machines.',
  ),
  PORT: v(
    'HTTP',
    '4000',
    'The port the web server listens on (4000 is the port OpenFn workers expect).',
  ),
  IDLE_TIMEOUT: v(
    'HTTP',
    '75',
    'Seconds a connection may stay silent (nothing received or sent, also mid-request) before the server closes it. Unset: `WEBHOOK_RETRY_TIMEOUT_MS` + 15 s, at least 60.',
  ),
  CORS_ORIGIN: v(
    'HTTP',
    '*',
    '`*` or comma-separated origins (`https://app.example.org`) whose pages may call the API (`/api/…`) from a browser; see below.',
  ),
  ORIGINS: v(
    'HTTP',
    '(this instance)',
    'Comma-separated origins allowed to use a browser session (`https://host[:port]`, `//host`, `//*.example.org`); see below.',
  ),
  TRUSTED_PROXIES: v(
    'HTTP',
    '',
    'Reverse proxies whose `X-Forwarded-For` names the client: addresses, CIDR ranges, `loopback`, `linklocal` or `uniquelocal`; see below.',
  ),
  URL_HOST: v(
    'HTTP',
    'localhost',
    'Host used when writing absolute URLs (e.g. `demo.openfn.org`).',
  ),
  URL_PORT: v(
    'HTTP',
    '(PORT)',
    'Port used when writing absolute URLs, usually `443` in production.',
  ),
  URL_SCHEME: v('HTTP', 'http', 'Scheme used when writing absolute URLs (`http` or `https`).'),
  SECRET_KEY_BASE: v(
    'HTTP',
    '(generated in development)',
    'Secret (at least 64 characters) from which session-cookie and token signing keys are derived. Required in production.',
  ),

  // Encryption
  PRIMARY_ENCRYPTION_KEY: v(
    'Encryption',
    '(generated in development)',
    'Base64 of 32 random bytes: the AES-256-GCM key for secrets at rest. Generate with `lightning gen-encryption-key`. Required in production.',
  ),
  RETIRED_ENCRYPTION_KEYS: v(
    'Encryption',
    '',
    'Comma-separated former `PRIMARY_ENCRYPTION_KEY` values, still used to decrypt until `lightning rotate-encryption-key` has re-encrypted every row.',
  ),

  // Workers
  WORKER_RUNS_PRIVATE_KEY: v(
    'Workers',
    '(generated in development)',
    'Base64 of a PEM RSA private key; signs run tokens. Required by the server in production.',
  ),
  WORKER_LIGHTNING_PUBLIC_KEY: v(
    'Workers',
    '(generated in development)',
    'Base64 of the matching PEM public key; workers verify run tokens with it.',
  ),
  WORKER_SECRET: v(
    'Workers',
    '(generated in development)',
    'Shared secret that workers sign their socket tokens with (HS256). Required in production.',
  ),
  WORKER_CAPACITY: v(
    'Workers',
    '5',
    'Runs one worker process executes concurrently (the size of its warm pool).',
  ),
  WORKER_MAX_RUN_MEMORY_MB: v(
    'Limits',
    '500',
    'Memory in MB a single run may use before it is killed with `OOMError`.',
  ),
  WORKER_MAX_RUN_DURATION_SECONDS: v(
    'Limits',
    '300',
    'Maximum duration of a run in seconds before it is killed with `TimeoutError`.',
  ),
  WORKER_MAX_LOG_PAYLOAD_MB: v(
    'Limits',
    '1',
    "Largest log line in MB (JSON) a worker sends; a longer line is cut with a marker. A plan's `log_payload_limit_mb` overrides it; capped at 10 by the socket frame limit.",
  ),
  MAX_RUN_DURATION_SECONDS: v(
    'Limits',
    '',
    'Older name of `WORKER_MAX_RUN_DURATION_SECONDS`, used only when that is unset.',
  ),
  RUN_GRACE_PERIOD_SECONDS: v(
    'Limits',
    '10',
    'How long after the run timeout the server waits for a worker to report before marking the run `lost`; a run whose worker sent one of its events within that time (give or take 5 s) is not marked lost, and a lost run whose worker reports later gets its real outcome.',
  ),
  WORKER_LIGHTNING_SERVICE_URL: v(
    'Workers',
    'ws://localhost:4000/worker',
    'Socket URL a `lightning worker` process connects to.',
  ),
  WORKER_NAME: v('Workers', '(host name)', 'Name a worker reports when it claims runs.'),
  ADAPTORS_PATH: v(
    'Workers',
    '(LIGHTNING_DATA_DIR)/adaptors',
    'Where adaptors are installed on demand.',
  ),
  WORKER_COLLECTIONS_URL: v(
    'Workers',
    '(the server of WORKER_LIGHTNING_SERVICE_URL, path /collections)',
    'Collections API URL a worker gives jobs that use `collections.` (as `collections_endpoint`, with the run token as `collections_token`), e.g. `https://lightning.example.org/collections`.',
  ),
  WORKER_COLLECTIONS_VERSION: v(
    'Workers',
    'latest',
    'Version of `@openfn/language-collections` added to jobs whose code uses `collections.`.',
  ),
  ADAPTORS_REGISTRY_JSON_PATH: v(
    'Workers',
    '',
    'Path to an adaptor registry file; when set it is read instead of the npm registry for the adaptor picker.',
  ),

  // Limits
  MAX_DATACLIP_SIZE_MB: v(
    'Limits',
    '10',
    'Maximum size in MB (decimal) of a dataclip created through a webhook, and of results stored from workers.',
  ),
  MAX_CREDENTIAL_SENSITIVE_VALUES: v(
    'Limits',
    '50',
    'Maximum number of sensitive values one credential may hold.',
  ),
  PER_WORKFLOW_CLAIM_LIMIT: v(
    'Limits',
    '50',
    'Runs per workflow considered during one claim, so no workflow can dominate the queue.',
  ),
  CLAIM_WORK_MEM: v(
    'Limits',
    '(empty in development, 32MB in production)',
    'PostgreSQL `work_mem` for the claim query (`32MB`, `64MB`, `1GB`); empty disables.',
  ),
  COLLECTIONS_MAX_ITEM_BYTES: v(
    'Limits',
    '1000000',
    'Largest collection item in bytes (UTF-8 key plus value); a larger one is refused with 413.',
  ),
  COLLECTIONS_MAX_PROJECT_BYTES: v(
    'Limits',
    '0',
    'Total bytes of all collection items of one project; a write that would pass it is refused with 422 and writes nothing. 0: no limit.',
  ),
  QUEUE_RESULT_RETENTION_PERIOD_MINUTES: v(
    'Limits',
    '60',
    'Accepted for compatibility; not implemented yet. Minutes completed background jobs are kept in the job queue (not runs or history).',
  ),

  // Webhooks
  WEBHOOK_RETRY_MAX_ATTEMPTS: v(
    'Webhooks',
    '5',
    'Maximum attempts to store a webhook request on transient database errors (the first runs immediately).',
  ),
  WEBHOOK_RETRY_INITIAL_DELAY_MS: v('Webhooks', '100', 'Initial backoff delay in milliseconds.'),
  WEBHOOK_RETRY_MAX_DELAY_MS: v('Webhooks', '10000', 'Maximum backoff delay in milliseconds.'),
  WEBHOOK_RETRY_BACKOFF_FACTOR: v(
    'Webhooks',
    '2',
    'Multiplier applied to each successive delay, up to the maximum delay.',
  ),
  WEBHOOK_RETRY_TIMEOUT_MS: v(
    'Webhooks',
    '60000',
    'Total time budget for all attempts, sleeps included, in milliseconds.',
  ),
  WEBHOOK_RETRY_JITTER: v(
    'Webhooks',
    'true',
    'Add 0–25% randomisation to each delay (`true`/`false`).',
  ),

  // Accounts
  ALLOW_SIGNUP: v(
    'Accounts',
    'true',
    '`true` enables the registration page; `false` disables new registrations and blocks the page (the first user of a fresh instance may still register, and becomes its superuser).',
  ),
  REQUIRE_EMAIL_VERIFICATION: v(
    'Accounts',
    'false',
    'Whether users must verify their email address (by the emailed link) before signing in.',
  ),
  IS_RESETTABLE_DEMO: v(
    'Accounts',
    'no',
    '`yes` allows `lightning reset-demo` to wipe and re-seed the instance. Destroys most data.',
  ),

  // Mail
  MAIL_PROVIDER: v(
    'Mail',
    'local',
    'Mail delivery: `local` (kept in the database, viewable by superusers), `mailgun` or `smtp`.',
  ),
  EMAIL_ADMIN: v(
    'Mail',
    'lightning@example.com',
    'Sender address of system emails, also shown as the support email.',
  ),
  EMAIL_SENDER_NAME: v('Mail', 'Lightning', 'Sender display name of system emails.'),
  MAILGUN_API_KEY: v('Mail', '', 'Mailgun API key (required when `MAIL_PROVIDER=mailgun`).'),
  MAILGUN_DOMAIN: v('Mail', '', 'Mailgun sending domain (required when `MAIL_PROVIDER=mailgun`).'),
  SMTP_USERNAME: v('Mail', '', 'SMTP user name (required when `MAIL_PROVIDER=smtp`).'),
  SMTP_PASSWORD: v('Mail', '', 'SMTP password (required when `MAIL_PROVIDER=smtp`).'),
  SMTP_RELAY: v(
    'Mail',
    '',
    'SMTP server IP address or host name (required when `MAIL_PROVIDER=smtp`).',
  ),
  SMTP_TLS: v('Mail', 'true', 'Use TLS: `true`, `false` or `if_available`.'),
  SMTP_PORT: v('Mail', '587', 'SMTP port.'),

  // Storage
  STORAGE_BACKEND: v(
    'Storage',
    'local',
    'Accepted for compatibility; not implemented yet. Where exports are stored: `local` or `gcs`.',
  ),
  STORAGE_PATH: v(
    'Storage',
    '.',
    'Accepted for compatibility; not implemented yet. Directory for the `local` storage backend.',
  ),
  GCS_BUCKET: v(
    'Storage',
    '',
    'Accepted for compatibility; not implemented yet. Google Cloud Storage bucket (required when `STORAGE_BACKEND=gcs`).',
  ),
  GOOGLE_APPLICATION_CREDENTIALS_JSON: v(
    'Storage',
    '',
    'Accepted for compatibility; not implemented yet. Base64 of the service-account JSON key with access to the bucket (required when `STORAGE_BACKEND=gcs`).',
  ),

  // GitHub
  GITHUB_APP_ID: v(
    'GitHub',
    '',
    'The GitHub App ID. Version control is on when this, `GITHUB_APP_CLIENT_ID`, `GITHUB_APP_CLIENT_SECRET` and `GITHUB_CERT` are all set.',
  ),
  GITHUB_APP_NAME: v(
    'GitHub',
    '',
    'The GitHub App name as used in its public link (lower-case, spaces as hyphens); required when version control is on (the install link).',
  ),
  GITHUB_APP_CLIENT_ID: v(
    'GitHub',
    '',
    'The GitHub App client ID (users authorise the app with it, callback `/oauth/github/callback`).',
  ),
  GITHUB_APP_CLIENT_SECRET: v('GitHub', '', 'The GitHub App client secret.'),
  GITHUB_CERT: v(
    'GitHub',
    '',
    "The GitHub App private key (PEM), base64 encoded; signs the app's requests to GitHub.",
  ),
  REPO_CONNECTION_SIGNING_SECRET: v(
    'GitHub',
    '',
    'Signs the access tokens GitHub Actions call back with (HS256); required when version control is on, the server refuses to start without it. Generate with `lightning gen-encryption-key`.',
  ),
  TEST_GITHUB_API_URL: v(
    'GitHub',
    '(api.github.com)',
    'Test-only: the base URL of the GitHub stand-in the tests start. Never set it in a deployment; refused in production.',
  ),

  // OAuth credentials
  GOOGLE_CLIENT_ID: v(
    'OAuth',
    '',
    'Google OAuth 2.0 client ID: with `GOOGLE_CLIENT_SECRET`, Google Sheets credentials are created by signing in with Google (authorization code flow, refresh token kept).',
  ),
  GOOGLE_CLIENT_SECRET: v('OAuth', '', 'Google OAuth 2.0 client secret (with `GOOGLE_CLIENT_ID`).'),
  SALESFORCE_CLIENT_ID: v(
    'OAuth',
    '',
    'Salesforce connected-app consumer key: with `SALESFORCE_CLIENT_SECRET`, Salesforce credentials are created by signing in with Salesforce.',
  ),
  SALESFORCE_CLIENT_SECRET: v(
    'OAuth',
    '',
    'Salesforce connected-app consumer secret (with `SALESFORCE_CLIENT_ID`).',
  ),
  // Single sign-on
  SSO_ISSUER: v(
    'Single sign-on',
    '',
    'Issuer URL of the OpenID Connect provider for single sign-on (its discovery document is `<issuer>/.well-known/openid-configuration`; https, or http on 127.0.0.1/localhost only). With `SSO_CLIENT_ID` and `SSO_CLIENT_SECRET` it adds "Sign in with single sign-on"; unset: no SSO.',
  ),
  SSO_CLIENT_ID: v(
    'Single sign-on',
    '',
    'Client ID of Lightning at the SSO provider (required with `SSO_ISSUER`).',
  ),
  SSO_CLIENT_SECRET: v(
    'Single sign-on',
    '',
    'Client secret of Lightning at the SSO provider (required with `SSO_ISSUER`).',
  ),
  SSO_ALLOWED_DOMAINS: v(
    'Single sign-on',
    '(any)',
    'Comma-separated email domains whose provider accounts may sign in (e.g. `example.org,example.com`); checked at every sign-in. Empty: any domain.',
  ),
  SSO_AUTO_PROVISION: v(
    'Single sign-on',
    'false',
    '`true` creates a Lightning user (confirmed, without a password) at the first SSO sign-in of a provider account with a verified email that matches no user. `false`: only existing users (matched by verified email) may sign in with SSO.',
  ),
  SSO_DISABLE_PASSWORD_LOGIN: v(
    'Single sign-on',
    'false',
    '`true` refuses password sign-in to users who have signed in with SSO (they must use the provider); users who never did keep their password.',
  ),

  GOOGLE_OAUTH_ISSUER: v(
    'OAuth',
    'https://accounts.google.com',
    'Where Google credentials discover their OAuth endpoints. Production never sets it: the test suite points it at its own OpenID Connect server.',
  ),
  SALESFORCE_OAUTH_ISSUER: v(
    'OAuth',
    'https://login.salesforce.com',
    'Where Salesforce credentials discover their OAuth endpoints (`https://test.salesforce.com` for sandboxes). The test suite points it at its own OpenID Connect server.',
  ),
  OAUTH_REFRESH_MARGIN_SECONDS: v(
    'OAuth',
    '300',
    'An OAuth credential whose access token expires within this many seconds is refreshed before a run receives it.',
  ),
  SCHEMAS_PATH: v(
    'Credentials',
    '(bundled schemas)',
    'Directory of extra credential JSON schemas (<name>.json), added to the shipped http, dhis2, postgresql, salesforce, googlesheets and raw; a file with a shipped name replaces it.',
  ),

  // Clustering
  ERLANG_NODE_DISCOVERY_VIA_POSTGRES_ENABLED: v(
    'Clustering',
    'false',
    'Accepted for compatibility; not implemented yet: nodes sharing a PostgreSQL database always find each other through its notifications, whatever this says.',
  ),
  ERLANG_NODE_DISCOVERY_VIA_POSTGRES_CHANNEL_NAME: v(
    'Clustering',
    'lightning-cluster',
    'PostgreSQL notification channel used for node discovery.',
  ),
  K8S_HEADLESS_SERVICE: v(
    'Clustering',
    '',
    'Accepted for compatibility; not implemented yet: set automatically on Kubernetes (GKE); nodes coordinate through PostgreSQL instead.',
  ),

  // Metrics
  PROMEX_ENABLED: v(
    'Metrics',
    'false',
    "`true`/`yes` serves Prometheus metrics at `/metrics` on the server's port (run queue, runs, HTTP, workers, process; see docs/operations.md) and starts the periodic run-queue queries.",
  ),
  PROMEX_METRICS_ENDPOINT_AUTHORIZATION_REQUIRED: v(
    'Metrics',
    'true',
    'Whether `/metrics` requires `Authorization: Bearer <PROMEX_METRICS_ENDPOINT_TOKEN>` over `PROMEX_ENDPOINT_SCHEME` (401 otherwise). `false` serves it to anyone who can reach the port.',
  ),
  PROMEX_METRICS_ENDPOINT_TOKEN: v(
    'Metrics',
    '(random)',
    'Bearer token consumers of `/metrics` must send. When unset, a random token is generated at start and printed once in the log (a new one at each restart).',
  ),
  PROMEX_EXPENSIVE_METRICS_ENABLED: v(
    'Metrics',
    'false',
    '`true`/`yes` also computes and exposes `lightning_run_project_impeded_count` (projects whose runs wait for worker capacity).',
  ),
  PROMEX_ENDPOINT_SCHEME: v(
    'Metrics',
    'https',
    'The scheme scrapes must arrive over for the token to be accepted: `https` (behind a TLS-terminating proxy listed in `TRUSTED_PROXIES`, as `X-Forwarded-Proto` says) or `http`.',
  ),
  PROMEX_DATASOURCE_ID: v(
    'Metrics',
    '',
    'The uid of the Prometheus datasource every panel of the uploaded dashboards uses.',
  ),
  PROMEX_GRAFANA_HOST: v(
    'Metrics',
    '',
    'Grafana instance (e.g. `https://grafana.example.org`) the dashboards are uploaded to (`POST /api/dashboards/db`).',
  ),
  PROMEX_GRAFANA_USER: v('Metrics', '', 'Grafana user for the upload (basic auth).'),
  PROMEX_GRAFANA_PASSWORD: v('Metrics', '', 'Grafana password for the upload (basic auth).'),
  PROMEX_UPLOAD_GRAFANA_DASHBOARDS_ON_START: v(
    'Metrics',
    'false',
    '`true`/`yes` (with `PROMEX_ENABLED` and `PROMEX_GRAFANA_HOST`) uploads the dashboards of `packages/server/dashboards/` to Grafana at start, replacing earlier versions; a failure is logged, the server runs on.',
  ),
  METRICS_RUN_PERFORMANCE_AGE_SECONDS: v(
    'Metrics',
    '300',
    'Window in seconds of `lightning_run_queue_claim_average_duration_milliseconds`: runs inserted this recently that left the queue count with their wait until claimed, waiting runs with their wait so far.',
  ),
  METRICS_RUN_QUEUE_AGE_SECONDS: v(
    'Metrics',
    '5',
    'Period in seconds of the run-queue gauges (one node computes them for the cluster each period), and the window of `lightning_run_queue_finalised_count`.',
  ),
  METRICS_STALLED_RUN_THRESHOLD_SECONDS: v(
    'Metrics',
    '3600',
    'Seconds a run must be `available` before it counts in `lightning_run_queue_stalled_count`.',
  ),
  METRICS_UNCLAIMED_RUN_THRESHOLD_SECONDS: v(
    'Metrics',
    '10',
    'Seconds a run must be `available` before its project can count in `lightning_run_project_impeded_count` (with `PROMEX_EXPENSIVE_METRICS_ENABLED`).',
  ),
  UI_METRICS_ENABLED: v(
    'Metrics',
    'false',
    'Accepted for compatibility; not implemented yet. Server-side tracking of some UI metrics.',
  ),
  SENTRY_DSN: v(
    'Metrics',
    '',
    'Sentry DSN: unexpected server errors (every error the server logs with its error object: HTTP 500s, failed worker-socket events, failed periodic tasks) are sent with the release and environment, never with request data (see docs/operations.md).',
  ),

  // Usage tracking
  USAGE_TRACKING_ENABLED: v(
    'Usage tracking',
    'true',
    'Sends a daily report of anonymous counts (users, projects, workflows, jobs, runs, steps; ids hashed) to `USAGE_TRACKER_HOST`; the start log says what is sent. `false` turns it off (see docs/operations.md).',
  ),
  USAGE_TRACKER_HOST: v(
    'Usage tracking',
    'https://impact.openfn.org',
    'Host that receives the reports, POSTed as JSON to `<host>/api/metrics`.',
  ),
  USAGE_TRACKING_DAILY_BATCH_SIZE: v(
    'Usage tracking',
    '10',
    'Days reported on per hourly pass (a backlog of missing days is worked off over several passes).',
  ),
  USAGE_TRACKING_RESUBMISSION_BATCH_SIZE: v(
    'Usage tracking',
    '10',
    'Unsubmitted reports (oldest first) submitted per pass; a pass runs every minute, one node per report.',
  ),
  USAGE_TRACKING_RUN_CHUNK_SIZE: v(
    'Usage tracking',
    '100',
    'Runs read from the database per page while building a report (less memory for a busy day).',
  ),
  USAGE_TRACKING_UUIDS: v(
    'Usage tracking',
    'hashed_only',
    '`hashed_only` (uppercase hex SHA-256 of each id) or `cleartext` (the ids themselves as well).',
  ),

  // AI assistant
  AI_ASSISTANT_API_KEY: v(
    'AI assistant',
    '',
    'Accepted for compatibility; not implemented yet. API key for the AI assistant (currently an Anthropic key).',
  ),
  APOLLO_ENDPOINT: v(
    'AI assistant',
    '',
    'Accepted for compatibility; not implemented yet. Endpoint of the OpenFn Apollo AI service.',
  ),

  // Kafka
  KAFKA_TRIGGERS_ENABLED: v(
    'Kafka',
    'no',
    '`yes` enables kafka triggers: they can be created and changed, and every node runs consumers for each enabled one. Off, existing ones stay readable but cannot be changed, and nothing is consumed.',
  ),
  KAFKA_NUMBER_OF_CONSUMERS: v(
    'Kafka',
    '1',
    'Consumers each node runs in each trigger’s consumer group (ideally one per partition over all nodes).',
  ),
  KAFKA_NUMBER_OF_MESSAGES_PER_SECOND: v(
    'Kafka',
    '1',
    'Rate limit per trigger and node; at least 0.1, applied as whole messages per 10-second window, rounded down (0.15 → 1 every 10 s).',
  ),
  KAFKA_NUMBER_OF_PROCESSORS: v(
    'Kafka',
    '1',
    'Partitions each consumer processes at once (messages of one partition are always stored in order).',
  ),
  KAFKA_DUPLICATE_TRACKING_RETENTION_SECONDS: v(
    'Kafka',
    '3600',
    'How long the topic/partition/offset records that recognise a redelivered message are kept (purged every 10 minutes by one node).',
  ),
  KAFKA_NOTIFICATION_EMBARGO_SECONDS: v(
    'Kafka',
    '3600',
    'Accepted for compatibility; not implemented yet. Minimum seconds between two failure emails about the same trigger.',
  ),
  KAFKA_ALTERNATE_STORAGE_ENABLED: v(
    'Kafka',
    'false',
    'A message that cannot be stored in the database is written to `KAFKA_ALTERNATE_STORAGE_PATH` before its offset is committed; off, the partition waits and retries.',
  ),
  KAFKA_ALTERNATE_STORAGE_PATH: v(
    'Kafka',
    '',
    'Existing, writable directory (checked at start) for those messages: `<workflow id>/<trigger id>_<topic>_<partition>_<offset>.json`. Not encrypted.',
  ),
} as const satisfies Record<string, VariableDoc>;

export type VariableName = keyof typeof variables;
