import { randomBytes } from 'node:crypto';
import { generateDevKeys } from './dev-keys.js';
import { ConfigError, loadConfig } from './index.js';

const problemsOf = (env: Record<string, string>, purpose?: 'server' | 'worker') => {
  try {
    loadConfig(env, { purpose });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('applies the defaults of the deployment guide to an empty environment', () => {
    const { config } = loadConfig({});
    expect(config.production).toBe(false);
    expect(config.http.port).toBe(4000);
    expect(config.http.listenAddress).toBe('127.0.0.1');
    expect(config.database.url).toBeUndefined();
    expect(config.limits.maxCredentialSensitiveValues).toBe(50);
    expect(config.limits.perWorkflowClaimLimit).toBe(50);
    expect(config.limits.claimWorkMem).toBeUndefined();
    expect(config.mail.provider).toBe('local');
    expect(config.mail.smtp).toMatchObject({ tls: 'true', port: 587 });
    expect(config.accounts.allowSignup).toBe(true);
    expect(config.storage.backend).toBe('local');
    expect(config.cluster.channelName).toBe('lightning-cluster');
    expect(config.webhookRetry).toEqual({
      maxAttempts: 5,
      initialDelayMs: 100,
      maxDelayMs: 10_000,
      backoffFactor: 2,
      timeoutMs: 60_000,
      jitter: true,
    });
    expect(config.kafka).toMatchObject({
      consumers: 1,
      messagesPerSecond: 1,
      duplicateTrackingRetentionSeconds: 3600,
    });
    expect(config.dataDir.endsWith('.lightning')).toBe(true);
  });

  it('reads typed values', () => {
    const key = randomBytes(32).toString('base64');
    const { config } = loadConfig({
      PORT: '4100',
      PRIMARY_ENCRYPTION_KEY: key,
      MAX_DATACLIP_SIZE_MB: '25',
      CORS_ORIGIN: 'https://a.example, https://b.example',
      CLAIM_WORK_MEM: '64MB',
      KAFKA_NUMBER_OF_MESSAGES_PER_SECOND: '0.15',
      IS_RESETTABLE_DEMO: 'yes',
    });
    expect(config.http.port).toBe(4100);
    expect(config.encryption.primaryKey).toEqual(Buffer.from(key, 'base64'));
    expect(config.limits.maxDataclipSizeMb).toBe(25);
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.limits.claimWorkMem).toBe('64MB');
    expect(config.kafka.messagesPerSecond).toBe(0.15);
    expect(config.accounts.isResettableDemo).toBe(true);
  });

  it('lists every problem at once, each naming its variable', () => {
    const problems = problemsOf({
      MAX_DATACLIP_SIZE_MB: 'ten',
      PRIMARY_ENCRYPTION_KEY: randomBytes(31).toString('base64'),
      MAIL_PROVIDER: 'carrier-pigeon',
      SMTP_TLS: 'maybe',
      PER_WORKFLOW_CLAIM_LIMIT: '-3',
      WEBHOOK_RETRY_JITTER: 'sometimes',
      CLAIM_WORK_MEM: 'lots',
    });
    expect(problems).toHaveLength(7);
    expect(problems).toContain('MAX_DATACLIP_SIZE_MB must be a positive integer (got "ten")');
    expect(problems.find((p) => p.startsWith('PRIMARY_ENCRYPTION_KEY'))).toMatch(
      /exactly 32 bytes \(got 31 bytes\)/,
    );
    expect(problems.find((p) => p.startsWith('MAIL_PROVIDER'))).toMatch(
      /one of local, mailgun, smtp/,
    );
    expect(problems.find((p) => p.startsWith('SMTP_TLS'))).toMatch(/true, false, if_available/);
    expect(problems.some((p) => p.startsWith('PER_WORKFLOW_CLAIM_LIMIT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('WEBHOOK_RETRY_JITTER'))).toBe(true);
    expect(problems.some((p) => p.startsWith('CLAIM_WORK_MEM'))).toBe(true);
  });

  it('refuses a key that is not base64', () => {
    expect(problemsOf({ PRIMARY_ENCRYPTION_KEY: 'not base64 at all!' })[0]).toMatch(
      /^PRIMARY_ENCRYPTION_KEY must be base64/,
    );
  });

  it('requires the secrets of a production server, and nothing else is guessed', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const name of [
      'DATABASE_URL',
      'PRIMARY_ENCRYPTION_KEY',
      'SECRET_KEY_BASE',
      'WORKER_RUNS_PRIVATE_KEY',
      'WORKER_SECRET',
    ]) {
      expect(problems.some((p) => p.startsWith(`${name} is required in production`))).toBe(true);
    }
    expect(problemsOf({ MIX_ENV: 'prod' }).length).toBe(5);
  });

  it('starts a production server with complete secrets, with SSL and 32MB claim work_mem', () => {
    const keys = generateDevKeys();
    const { config } = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://db.internal:5432/lightning',
      ...keys,
    });
    expect(config.production).toBe(true);
    expect(config.database.ssl).toBe(true);
    expect(config.limits.claimWorkMem).toBe('32MB');
    expect(config.workers.runsPrivateKeyPem).toContain('PRIVATE KEY');
    const noSsl = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://db.internal:5432/lightning',
      DISABLE_DB_SSL: 'true',
      CLAIM_WORK_MEM: '',
      ...keys,
    });
    expect(noSsl.config.database.ssl).toBe(false);
    expect(noSsl.config.limits.claimWorkMem).toBeUndefined();
    expect(noSsl.warnings.join()).toMatch(/DISABLE_DB_SSL/);
  });

  it('requires only the worker secret for a production worker', () => {
    expect(problemsOf({ NODE_ENV: 'production' }, 'worker')).toEqual([
      'WORKER_SECRET is required to start a worker (the server and its workers share it)',
    ]);
  });

  it('requires the settings of the chosen mail and storage backends', () => {
    const problems = problemsOf({ MAIL_PROVIDER: 'smtp', STORAGE_BACKEND: 'gcs' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'SMTP_USERNAME is required when MAIL_PROVIDER=smtp',
        'SMTP_PASSWORD is required when MAIL_PROVIDER=smtp',
        'SMTP_RELAY is required when MAIL_PROVIDER=smtp',
        'GCS_BUCKET is required when STORAGE_BACKEND=gcs',
        'GOOGLE_APPLICATION_CREDENTIALS_JSON is required when STORAGE_BACKEND=gcs',
      ]),
    );
    expect(problemsOf({ MAIL_PROVIDER: 'mailgun' })).toEqual([
      'MAILGUN_API_KEY is required when MAIL_PROVIDER=mailgun',
      'MAILGUN_DOMAIN is required when MAIL_PROVIDER=mailgun',
    ]);
  });

  it('checks that Kafka alternate storage points at a writable directory', () => {
    expect(problemsOf({ KAFKA_ALTERNATE_STORAGE_ENABLED: 'true' })).toEqual([
      'KAFKA_ALTERNATE_STORAGE_PATH is required when KAFKA_ALTERNATE_STORAGE_ENABLED=true',
    ]);
    expect(
      problemsOf({
        KAFKA_ALTERNATE_STORAGE_ENABLED: 'true',
        KAFKA_ALTERNATE_STORAGE_PATH: '/no/such/dir',
      })[0],
    ).toMatch(/existing, writable directory/);
  });

  it('refuses worker keys that are not base64 PEM RSA keys', () => {
    const problems = problemsOf({
      WORKER_RUNS_PRIVATE_KEY: 'abc',
      WORKER_LIGHTNING_PUBLIC_KEY: 'abc',
    });
    expect(problems[0]).toMatch(
      /^WORKER_RUNS_PRIVATE_KEY must be the base64 of a PEM RSA private key/,
    );
    expect(problems[1]).toMatch(
      /^WORKER_LIGHTNING_PUBLIC_KEY must be the base64 of a PEM RSA public key/,
    );
  });

  it('falls back to the older MAX_RUN_DURATION_SECONDS name', () => {
    expect(
      loadConfig({ MAX_RUN_DURATION_SECONDS: '90' }).config.workers.maxRunDurationSeconds,
    ).toBe(90);
    expect(
      loadConfig({ MAX_RUN_DURATION_SECONDS: '90', WORKER_MAX_RUN_DURATION_SECONDS: '30' }).config
        .workers.maxRunDurationSeconds,
    ).toBe(30);
  });

  it('keeps IDLE_TIMEOUT above the webhook retry budget by default and warns when set below it', () => {
    expect(loadConfig({ WEBHOOK_RETRY_TIMEOUT_MS: '120000' }).config.http.idleTimeoutSeconds).toBe(
      135,
    );
    expect(loadConfig({ IDLE_TIMEOUT: '30' }).warnings[0]).toMatch(/IDLE_TIMEOUT \(30 s\)/);
  });

  it('writes public URLs from URL_* without default ports', () => {
    expect(loadConfig({}).config.http.publicUrl).toBe('http://localhost:4000');
    expect(
      loadConfig({ URL_SCHEME: 'https', URL_HOST: 'demo.openfn.org', URL_PORT: '443' }).config.http
        .publicUrl,
    ).toBe('https://demo.openfn.org');
  });

  it('reads ORIGINS, CORS_ORIGIN and TRUSTED_PROXIES, and names each malformed entry', () => {
    const { config } = loadConfig({
      ORIGINS: 'https://app.example.org:8443, //*.example.net',
      TRUSTED_PROXIES: '10.0.0.0/8, ::1, loopback',
    });
    expect(config.http.origins).toEqual([
      { scheme: 'https', host: 'app.example.org', port: '8443' },
      { scheme: undefined, host: '*.example.net', port: undefined },
    ]);
    expect(config.http.trustedProxies).toEqual(['10.0.0.0/8', '::1', 'loopback']);
    expect(loadConfig({}).config.http.origins).toBeUndefined();
    const problems = problemsOf({
      ORIGINS: 'app.example.org',
      CORS_ORIGIN: 'https://app.example.org/path',
      TRUSTED_PROXIES: '10.0.0.0/33',
    });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ORIGINS must be a comma-separated list of origins .*\(got "app\.example\.org"\)/,
        ),
        expect.stringMatching(
          /^CORS_ORIGIN must be \* or a comma-separated list of origins .*\(got "https:\/\/app\.example\.org\/path"\)/,
        ),
        expect.stringMatching(
          /^TRUSTED_PROXIES must be a comma-separated list of proxy addresses .*\(got "10\.0\.0\.0\/33"\)/,
        ),
      ]),
    );
  });
});
