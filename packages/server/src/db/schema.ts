// The database schema: one definition for PostgreSQL and PGlite, and the source of the migrations
// in packages/server/drizzle (generated with `npm run db:generate -w @lightning/server`).
//
// Conventions follow OpenFn Lightning's data model (../shared/reference/lightning-server-facts.md §1)
// so that a migration from Lightning maps table to table: UUID ids, `inserted_at`/`updated_at`,
// microsecond timestamps where Lightning keeps them. Enumerations are text columns with CHECK
// constraints rather than PostgreSQL enum types, so adding a value later is a plain migration.
// Encrypted columns are `bytea` holding vault ciphertext (see vault/).
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { toIsoTimestamp } from './iso-timestamp.js';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * Microsecond timestamp, kept as a string so the microseconds survive (Date has ms only), and read
 * as ISO 8601 in UTC (`2026-12-05T07:31:06.367000Z`) rather than PostgreSQL's own text, so every
 * answer that carries one is ISO whatever the driver (iso-timestamp.ts).
 */
const usec = customType<{ data: string; driverData: string }>({
  dataType: () => 'timestamp (6) with time zone',
  fromDriver: (value) => toIsoTimestamp(String(value)),
});
const seconds = (name: string) =>
  timestamp(name, { withTimezone: true, precision: 0, mode: 'date' });

const id = () => uuid('id').primaryKey().defaultRandom();
const insertedAt = () => usec('inserted_at').notNull().default(sql`now()`);
const updatedAt = () => usec('updated_at').notNull().default(sql`now()`);

const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} IN (${values.map((value) => `'${value}'`).join(', ')})`);

// ── Accounts ───────────────────────────────────────────────────────────────────────────────────

export const USER_ROLES = ['user', 'superuser'] as const;

export const users = pgTable(
  'users',
  {
    id: id(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull().default(''),
    email: text('email').notNull(),
    hashedPassword: text('hashed_password'),
    role: text('role').$type<(typeof USER_ROLES)[number]>().notNull().default('user'),
    confirmedAt: seconds('confirmed_at'),
    disabled: boolean('disabled').notNull().default(false),
    supportUser: boolean('support_user').notNull().default(false),
    mfaEnabled: boolean('mfa_enabled').notNull().default(false),
    contactPreference: text('contact_preference').notNull().default('critical'),
    preferences: jsonb('preferences').$type<Record<string, unknown>>().notNull().default({}),
    githubOauthToken: bytea('github_oauth_token'),
    scheduledDeletion: seconds('scheduled_deletion'),
    /** Consecutive failed sign-ins; reset by a successful one. Drives the lockout. */
    failedLoginAttempts: integer('failed_login_attempts').notNull().default(0),
    lockedUntil: usec('locked_until'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_index').on(sql`lower(${t.email})`),
    check('users_role_check', oneOf('role', USER_ROLES)),
  ],
);

export const userTotps = pgTable('user_totps', {
  id: id(),
  userId: uuid('user_id')
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: 'cascade' }),
  secret: bytea('secret').notNull(),
  /** The 30-second step of the last accepted code: a code is accepted once, never replayed. */
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  insertedAt: insertedAt(),
  updatedAt: updatedAt(),
});

export const userBackupCodes = pgTable(
  'user_backup_codes',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    code: bytea('code').notNull(),
    usedAt: usec('used_at'),
    insertedAt: insertedAt(),
  },
  (t) => [index('user_backup_codes_user_id_index').on(t.userId)],
);

export const userTokens = pgTable(
  'user_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Stored hashed (sha256) for every context, so a database leak yields no usable token. */
    tokenHash: bytea('token_hash').notNull(),
    context: text('context').notNull(),
    sentTo: text('sent_to'),
    /** A label the owner gives a personal access token (context `api`). */
    name: text('name'),
    lastUsedAt: usec('last_used_at'),
    insertedAt: insertedAt(),
  },
  (t) => [
    uniqueIndex('user_tokens_context_token_index').on(t.context, t.tokenHash),
    index('user_tokens_user_id_index').on(t.userId),
  ],
);

// ── Projects ───────────────────────────────────────────────────────────────────────────────────

export const PROJECT_ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export const RETENTION_POLICIES = ['retain_all', 'retain_with_errors', 'erase_all'] as const;

export const projects = pgTable(
  'projects',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description'),
    concurrency: integer('concurrency'),
    retentionPolicy: text('retention_policy')
      .$type<(typeof RETENTION_POLICIES)[number]>()
      .notNull()
      .default('retain_all'),
    historyRetentionPeriod: integer('history_retention_period'),
    dataclipRetentionPeriod: integer('dataclip_retention_period'),
    requiresMfa: boolean('requires_mfa').notNull().default(false),
    allowSupportAccess: boolean('allow_support_access').notNull().default(false),
    scheduledDeletion: seconds('scheduled_deletion'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('projects_retention_policy_check', oneOf('retention_policy', RETENTION_POLICIES)),
    check('projects_concurrency_check', sql`${t.concurrency} IS NULL OR ${t.concurrency} >= 1`),
  ],
);

export const projectUsers = pgTable(
  'project_users',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<(typeof PROJECT_ROLES)[number]>().notNull(),
    failureAlert: boolean('failure_alert').notNull().default(false),
    digest: text('digest').notNull().default('never'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('project_users_project_id_user_id_index').on(t.projectId, t.userId),
    // One owner per project, as in Lightning.
    uniqueIndex('project_users_one_owner_index').on(t.projectId).where(sql`role = 'owner'`),
    index('project_users_user_id_index').on(t.userId),
    check('project_users_role_check', oneOf('role', PROJECT_ROLES)),
  ],
);

// ── Credentials ────────────────────────────────────────────────────────────────────────────────

export const credentials = pgTable(
  'credentials',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    schema: text('schema').notNull(),
    /** Vault ciphertext of the JSON body. */
    body: bytea('body').notNull(),
    production: boolean('production').notNull().default(false),
    transferStatus: text('transfer_status'),
    /**
     * OAuth credentials: which provider issued the token set in `body` (`google`, `salesforce`, or
     * `generic` with `oauth_client_id`), and whether it still works (`authorized`) or its refresh
     * failed and the owner must authorise again (`reauthorization_required`, with the reason).
     */
    oauthProvider: text('oauth_provider'),
    oauthClientId: uuid('oauth_client_id').references(() => oauthClients.id, {
      onDelete: 'set null',
    }),
    oauthStatus: text('oauth_status'),
    oauthError: text('oauth_error'),
    scheduledDeletion: seconds('scheduled_deletion'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('credentials_user_id_name_index').on(t.userId, t.name)],
);

/**
 * OAuth clients an administrator registers for any provider (Lightning's `oauth_clients`):
 * instance-wide when `project_id` is null (superusers manage them), else one project's (its
 * admins). The client secret is vault ciphertext.
 */
export const oauthClients = pgTable(
  'oauth_clients',
  {
    id: id(),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    authorizationEndpoint: text('authorization_endpoint').notNull(),
    tokenEndpoint: text('token_endpoint').notNull(),
    userinfoEndpoint: text('userinfo_endpoint'),
    revocationEndpoint: text('revocation_endpoint'),
    clientId: text('client_id').notNull(),
    clientSecret: bytea('client_secret').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull().default([]),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('oauth_clients_project_id_index').on(t.projectId)],
);

/**
 * An authorization started and not yet finished (credential or single sign-on): the browser comes
 * back with `state`, which is looked up by its SHA-256; the PKCE verifier is vault ciphertext.
 * Rows are single-use and expire after ten minutes.
 */
export const oauthAuthorizations = pgTable('oauth_authorizations', {
  id: id(),
  stateHash: text('state_hash').notNull().unique(),
  purpose: text('purpose').$type<'credential' | 'sso'>().notNull(),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
  codeVerifier: bytea('code_verifier').notNull(),
  nonce: text('nonce'),
  details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  insertedAt: insertedAt(),
});

/** A user's account at the single sign-on provider (issuer + subject), linked once. */
export const userIdentities = pgTable(
  'user_identities',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    email: text('email'),
    lastSignInAt: usec('last_sign_in_at'),
    insertedAt: insertedAt(),
  },
  (t) => [
    uniqueIndex('user_identities_issuer_subject_index').on(t.issuer, t.subject),
    index('user_identities_user_id_index').on(t.userId),
  ],
);

export const projectCredentials = pgTable(
  'project_credentials',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    credentialId: uuid('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    insertedAt: insertedAt(),
  },
  (t) => [
    uniqueIndex('project_credentials_project_id_credential_id_index').on(
      t.projectId,
      t.credentialId,
    ),
  ],
);

export const WEBHOOK_AUTH_TYPES = ['basic', 'api'] as const;

export const webhookAuthMethods = pgTable(
  'webhook_auth_methods',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    authType: text('auth_type').$type<(typeof WEBHOOK_AUTH_TYPES)[number]>().notNull(),
    username: bytea('username'),
    password: bytea('password'),
    apiKey: bytea('api_key'),
    scheduledDeletion: seconds('scheduled_deletion'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('webhook_auth_methods_project_id_name_index').on(t.projectId, t.name),
    check('webhook_auth_methods_auth_type_check', oneOf('auth_type', WEBHOOK_AUTH_TYPES)),
  ],
);

// ── Workflows ──────────────────────────────────────────────────────────────────────────────────

export const workflows = pgTable(
  'workflows',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    concurrency: integer('concurrency'),
    enableJobLogs: boolean('enable_job_logs').notNull().default(true),
    positions: jsonb('positions').$type<Record<string, { x: number; y: number }>>(),
    /** Optimistic lock: bumped by every save; a save naming an older version is refused. */
    lockVersion: integer('lock_version').notNull().default(0),
    deletedAt: seconds('deleted_at'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('workflows_project_id_name_index').on(t.projectId, t.name),
    check('workflows_concurrency_check', sql`${t.concurrency} IS NULL OR ${t.concurrency} >= 1`),
  ],
);

export const jobs = pgTable(
  'jobs',
  {
    id: id(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    body: text('body').notNull().default(''),
    adaptor: text('adaptor').notNull().default('@openfn/language-common@latest'),
    projectCredentialId: uuid('project_credential_id').references(() => projectCredentials.id, {
      onDelete: 'set null',
    }),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('jobs_workflow_id_name_index').on(t.workflowId, t.name)],
);

export const TRIGGER_TYPES = ['webhook', 'cron', 'kafka'] as const;
export const WEBHOOK_REPLIES = ['before_start', 'after_completion', 'custom'] as const;

export const triggers = pgTable(
  'triggers',
  {
    id: id(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    type: text('type').$type<(typeof TRIGGER_TYPES)[number]>().notNull().default('webhook'),
    enabled: boolean('enabled').notNull().default(false),
    comment: text('comment'),
    customPath: text('custom_path'),
    cronExpression: text('cron_expression'),
    webhookReply: text('webhook_reply')
      .$type<(typeof WEBHOOK_REPLIES)[number]>()
      .notNull()
      .default('before_start'),
    /** Kafka settings (workflows/kafka-configuration.ts) without the SASL secrets. */
    kafkaConfiguration: jsonb('kafka_configuration').$type<Record<string, unknown>>(),
    /** SASL username and password of a kafka trigger: vault ciphertext. */
    kafkaUsername: bytea('kafka_username'),
    kafkaPassword: bytea('kafka_password'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('triggers_workflow_id_index').on(t.workflowId),
    check('triggers_type_check', oneOf('type', TRIGGER_TYPES)),
    check('triggers_webhook_reply_check', oneOf('webhook_reply', WEBHOOK_REPLIES)),
  ],
);

export const triggerWebhookAuthMethods = pgTable(
  'trigger_webhook_auth_methods',
  {
    triggerId: uuid('trigger_id')
      .notNull()
      .references(() => triggers.id, { onDelete: 'cascade' }),
    webhookAuthMethodId: uuid('webhook_auth_method_id')
      .notNull()
      .references(() => webhookAuthMethods.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.triggerId, t.webhookAuthMethodId] })],
);

export const EDGE_CONDITIONS = [
  'always',
  'on_job_success',
  'on_job_failure',
  'js_expression',
] as const;

export const workflowEdges = pgTable(
  'workflow_edges',
  {
    id: id(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    sourceJobId: uuid('source_job_id').references(() => jobs.id, { onDelete: 'cascade' }),
    sourceTriggerId: uuid('source_trigger_id').references(() => triggers.id, {
      onDelete: 'cascade',
    }),
    targetJobId: uuid('target_job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    conditionType: text('condition_type')
      .$type<(typeof EDGE_CONDITIONS)[number]>()
      .notNull()
      .default('always'),
    conditionExpression: text('condition_expression'),
    conditionLabel: text('condition_label'),
    enabled: boolean('enabled').notNull().default(true),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('workflow_edges_workflow_id_index').on(t.workflowId),
    check('workflow_edges_condition_type_check', oneOf('condition_type', EDGE_CONDITIONS)),
    check(
      'workflow_edges_one_source_check',
      sql`(${t.sourceJobId} IS NULL) <> (${t.sourceTriggerId} IS NULL)`,
    ),
    check(
      'workflow_edges_no_self_loop_check',
      sql`${t.sourceJobId} IS NULL OR ${t.sourceJobId} <> ${t.targetJobId}`,
    ),
  ],
);

/** Immutable copy of a workflow's graph at one lock version; runs execute the snapshot they were created with. */
export const workflowSnapshots = pgTable(
  'workflow_snapshots',
  {
    id: id(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    lockVersion: integer('lock_version').notNull(),
    jobs: jsonb('jobs').$type<Record<string, unknown>[]>().notNull(),
    triggers: jsonb('triggers').$type<Record<string, unknown>[]>().notNull(),
    edges: jsonb('edges').$type<Record<string, unknown>[]>().notNull(),
    insertedAt: insertedAt(),
  },
  (t) => [
    uniqueIndex('workflow_snapshots_workflow_id_lock_version_index').on(
      t.workflowId,
      t.lockVersion,
    ),
  ],
);

// ── Execution ──────────────────────────────────────────────────────────────────────────────────

export const DATACLIP_TYPES = [
  'http_request',
  'global',
  'step_result',
  'saved_input',
  'kafka',
] as const;

export const dataclips = pgTable(
  'dataclips',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    type: text('type').$type<(typeof DATACLIP_TYPES)[number]>().notNull(),
    body: jsonb('body'),
    /** Request metadata of http_request and kafka dataclips (method, path, query, headers). */
    request: jsonb('request'),
    name: text('name'),
    wipedAt: usec('wiped_at'),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('dataclips_project_id_inserted_at_index').on(t.projectId, t.insertedAt),
    // Retention wipes expired bodies in batches: only the not-yet-wiped ones are indexed, so a
    // batch never walks over the rows earlier rounds already wiped.
    index('dataclips_unwiped_project_id_inserted_at_index')
      .on(t.projectId, t.insertedAt)
      .where(sql`wiped_at IS NULL`),
    check('dataclips_type_check', oneOf('type', DATACLIP_TYPES)),
  ],
);

export const WORK_ORDER_STATES = [
  'rejected',
  'pending',
  'running',
  'success',
  'failed',
  'crashed',
  'cancelled',
  'killed',
  'exception',
  'lost',
] as const;

export const workOrders = pgTable(
  'work_orders',
  {
    id: id(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    snapshotId: uuid('snapshot_id').references(() => workflowSnapshots.id),
    triggerId: uuid('trigger_id').references(() => triggers.id, { onDelete: 'set null' }),
    dataclipId: uuid('dataclip_id').references(() => dataclips.id, { onDelete: 'set null' }),
    state: text('state').$type<(typeof WORK_ORDER_STATES)[number]>().notNull().default('pending'),
    lastActivity: usec('last_activity').notNull().default(sql`now()`),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // History lists a workflow's work orders newest first, filtered by state.
    index('work_orders_workflow_id_last_activity_index').on(t.workflowId, t.lastActivity),
    index('work_orders_workflow_id_state_index').on(t.workflowId, t.state),
    // History pages (runs/history.ts): newest first by (inserted_at, id) per workflow, and per
    // workflow and state, so a page is one short index range scan per (workflow, state) however
    // long the history is; `id` breaks ties so the keyset cursor is exact.
    index('work_orders_workflow_id_inserted_at_id_index').on(t.workflowId, t.insertedAt, t.id),
    index('work_orders_workflow_id_state_inserted_at_id_index').on(
      t.workflowId,
      t.state,
      t.insertedAt,
      t.id,
    ),
    check('work_orders_state_check', oneOf('state', WORK_ORDER_STATES)),
  ],
);

export const RUN_STATES = [
  'available',
  'claimed',
  'started',
  'success',
  'failed',
  'crashed',
  'cancelled',
  'killed',
  'exception',
  'lost',
] as const;
export const FINAL_RUN_STATES = [
  'success',
  'failed',
  'crashed',
  'cancelled',
  'killed',
  'exception',
  'lost',
] as const;

/** Run priority as Lightning stores it: 0 = immediate (manual), 1 = normal. */
export const RUN_PRIORITY = { immediate: 0, normal: 1 } as const;

export const runs = pgTable(
  'runs',
  {
    id: id(),
    workOrderId: uuid('work_order_id')
      .notNull()
      .references(() => workOrders.id, { onDelete: 'cascade' }),
    /** Copied from the work order: the claim groups runs by workflow without a join per run. */
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    snapshotId: uuid('snapshot_id')
      .notNull()
      .references(() => workflowSnapshots.id),
    startingTriggerId: uuid('starting_trigger_id').references(() => triggers.id, {
      onDelete: 'set null',
    }),
    startingJobId: uuid('starting_job_id').references(() => jobs.id, { onDelete: 'set null' }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    dataclipId: uuid('dataclip_id').references(() => dataclips.id, { onDelete: 'set null' }),
    state: text('state').$type<(typeof RUN_STATES)[number]>().notNull().default('available'),
    errorType: text('error_type'),
    priority: integer('priority').notNull().default(RUN_PRIORITY.normal),
    /** `manual` for runs people start (and synchronous webhooks), `default` otherwise. */
    queue: text('queue').notNull().default('default'),
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    workerName: text('worker_name'),
    claimedAt: usec('claimed_at'),
    startedAt: usec('started_at'),
    finishedAt: usec('finished_at'),
    /**
     * When the run's worker was last heard from (an event stored for the run), stamped at most
     * every few seconds (runs/run-state.ts): the lost-run sweep spares a run whose events still
     * arrive. Not indexed, so the stamp is a HOT update.
     */
    lastEventAt: usec('last_event_at'),
    /**
     * Set when a run marked `lost` later got its real outcome from its worker (a late-event
     * correction): when it was marked lost, and as what (`LostAfterClaim`/`LostAfterStart`).
     */
    lostAt: usec('lost_at'),
    insertedAt: insertedAt(),
  },
  (t) => [
    // The claim query reads only available runs in priority/age order: a partial index keeps it
    // from touching the finished history, however large.
    index('runs_available_index').on(t.priority, t.insertedAt).where(sql`state = 'available'`),
    // Named claim queues (`manual`) are read in priority/age order without touching other queues.
    index('runs_available_queue_index')
      .on(t.queue, t.priority, t.insertedAt)
      .where(sql`state = 'available'`),
    // Concurrency checks count a workflow's earlier available runs (bounded by its limit).
    index('runs_available_workflow_index')
      .on(t.workflowId, t.insertedAt, t.id)
      .where(sql`state = 'available'`),
    index('runs_work_order_id_index').on(t.workOrderId),
    // Lost-run sweep and concurrency checks look only at in-flight runs.
    index('runs_in_flight_index')
      .on(t.state, t.claimedAt)
      .where(sql`state IN ('claimed', 'started')`),
    // The run-queue metrics (observability/run-queue-metrics.ts) read the runs of the last few
    // minutes every few seconds: by insertion (claim delay) and by finish (finalised count), so
    // the cost follows the recent traffic, not the history's size.
    index('runs_inserted_at_index').on(t.insertedAt),
    index('runs_finished_at_index').on(t.finishedAt).where(sql`finished_at IS NOT NULL`),
    check('runs_state_check', oneOf('state', RUN_STATES)),
    check(
      'runs_starting_node_check',
      sql`(${t.startingTriggerId} IS NULL) <> (${t.startingJobId} IS NULL)`,
    ),
  ],
);

export const STEP_EXIT_REASONS = [
  'success',
  'fail',
  'crash',
  'cancel',
  'kill',
  'exception',
  'lost',
] as const;

/** A step's id is chosen by the worker (worker protocol §4). */
export const steps = pgTable(
  'steps',
  {
    id: uuid('id').primaryKey(),
    jobId: uuid('job_id').notNull(),
    snapshotId: uuid('snapshot_id').references(() => workflowSnapshots.id),
    credentialId: uuid('credential_id'),
    inputDataclipId: uuid('input_dataclip_id').references(() => dataclips.id, {
      onDelete: 'set null',
    }),
    outputDataclipId: uuid('output_dataclip_id').references(() => dataclips.id, {
      onDelete: 'set null',
    }),
    exitReason: text('exit_reason'),
    errorType: text('error_type'),
    errorMessage: text('error_message'),
    startedAt: usec('started_at'),
    finishedAt: usec('finished_at'),
    insertedAt: insertedAt(),
  },
  (t) => [
    index('steps_job_id_index').on(t.jobId),
    check(
      'steps_exit_reason_check',
      sql`exit_reason IS NULL OR ${oneOf('exit_reason', STEP_EXIT_REASONS)}`,
    ),
  ],
);

export const runSteps = pgTable(
  'run_steps',
  {
    id: id(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepId: uuid('step_id')
      .notNull()
      .references(() => steps.id, { onDelete: 'cascade' }),
    insertedAt: insertedAt(),
  },
  (t) => [
    uniqueIndex('run_steps_run_id_step_id_index').on(t.runId, t.stepId),
    // Deleting a step (data retention) cascades here by step_id: without this index, one scan of
    // the whole table per deleted step.
    index('run_steps_step_id_index').on(t.stepId),
  ],
);

export const LOG_LEVELS = ['debug', 'info', 'success', 'warn', 'error', 'always'] as const;

export const logLines = pgTable(
  'log_lines',
  {
    id: id(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepId: uuid('step_id'),
    source: text('source'),
    level: text('level').$type<(typeof LOG_LEVELS)[number]>().notNull().default('info'),
    message: text('message').notNull(),
    timestamp: usec('timestamp').notNull(),
  },
  (t) => [
    index('log_lines_run_id_timestamp_index').on(t.runId, t.timestamp),
    check('log_lines_level_check', oneOf('level', LOG_LEVELS)),
  ],
);

// ── Trigger bookkeeping (triggers context) ──────────────────────────────────────────────────────

/**
 * `Idempotency-Key` of webhook requests: a repeated key for the same trigger answers with the first
 * work order instead of creating another. Written in the transaction that creates the work order.
 */
export const webhookIdempotencyKeys = pgTable(
  'webhook_idempotency_keys',
  {
    triggerId: uuid('trigger_id')
      .notNull()
      .references(() => triggers.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    workOrderId: uuid('work_order_id')
      .notNull()
      .references(() => workOrders.id, { onDelete: 'cascade' }),
    insertedAt: insertedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.triggerId, t.key] }),
    index('webhook_idempotency_keys_work_order_id_index').on(t.workOrderId),
  ],
);

/**
 * One row per cron trigger and scheduled minute that fired: the primary key is what makes a
 * scheduled time fire once across the whole cluster, however many nodes run the scheduler.
 */
export const cronTriggerFirings = pgTable(
  'cron_trigger_firings',
  {
    triggerId: uuid('trigger_id')
      .notNull()
      .references(() => triggers.id, { onDelete: 'cascade' }),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true, mode: 'date' }).notNull(),
    workOrderId: uuid('work_order_id').references(() => workOrders.id, { onDelete: 'set null' }),
    insertedAt: insertedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.triggerId, t.scheduledAt] }),
    // Deleting an expired work order (data retention) sets its firings' work_order_id to NULL.
    index('cron_trigger_firings_work_order_id_index').on(t.workOrderId),
  ],
);

/**
 * One row per Kafka message a trigger ingested, keyed by `<topic>_<partition>_<offset>` as Lightning
 * keys it: written in the transaction that creates the message's work order, so a message delivered
 * again (a rebalance, a restart before the offset commit, a re-enabled trigger) is recognised and
 * skipped. Purged after KAFKA_DUPLICATE_TRACKING_RETENTION_SECONDS.
 */
export const triggerKafkaMessageRecords = pgTable(
  'trigger_kafka_message_records',
  {
    triggerId: uuid('trigger_id')
      .notNull()
      .references(() => triggers.id, { onDelete: 'cascade' }),
    topicPartitionOffset: text('topic_partition_offset').notNull(),
    workOrderId: uuid('work_order_id').references(() => workOrders.id, { onDelete: 'set null' }),
    insertedAt: insertedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.triggerId, t.topicPartitionOffset] }),
    index('trigger_kafka_message_records_inserted_at_index').on(t.insertedAt),
    index('trigger_kafka_message_records_work_order_id_index').on(t.workOrderId),
  ],
);

// ── Audit ──────────────────────────────────────────────────────────────────────────────────────

export const auditEvents = pgTable(
  'audit_events',
  {
    id: id(),
    event: text('event').notNull(),
    itemType: text('item_type').notNull(),
    itemId: uuid('item_id').notNull(),
    actorId: uuid('actor_id'),
    actorType: text('actor_type'),
    /**
     * The project an event concerns (membership, credential sharing), so a project's admins can
     * read its trail; NULL for instance-level events (tokens, sign-ins). No foreign key: the trail
     * outlives what it describes.
     */
    projectId: uuid('project_id'),
    changes: jsonb('changes').$type<Record<string, unknown>>().notNull().default({}),
    insertedAt: insertedAt(),
  },
  (t) => [
    index('audit_events_item_index').on(t.itemType, t.itemId),
    // Newest-first keyset pages, instance-wide and per project.
    index('audit_events_inserted_at_id_index').on(t.insertedAt, t.id),
    index('audit_events_project_id_inserted_at_id_index').on(t.projectId, t.insertedAt, t.id),
  ],
);

// ── Notifications ──────────────────────────────────────────────────────────────────────────────

/**
 * Mail kept by the `local` mail provider (MAIL_PROVIDER=local), readable by superusers in the app.
 * Only what the message itself says: no provider settings, no credentials.
 */
export const mailMessages = pgTable(
  'mail_messages',
  {
    id: id(),
    sender: text('sender').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    insertedAt: insertedAt(),
  },
  (t) => [index('mail_messages_inserted_at_id_index').on(t.insertedAt, t.id)],
);

/**
 * Failed runs waiting to be mailed to one opted-in project member (one row per member and run).
 * Rows are claimed by a digest (`claimedAt`) and marked sent once its email went out. No foreign key
 * to the run: retention may delete it before the digest is sent, the alert still stands.
 */
export const failureAlertQueue = pgTable(
  'failure_alert_queue',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    runId: uuid('run_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    workflowName: text('workflow_name').notNull(),
    runState: text('run_state').notNull(),
    claimedAt: usec('claimed_at'),
    /** Set once the email went out; the row is kept a day so a late duplicate event is ignored. */
    sentAt: usec('sent_at'),
    insertedAt: insertedAt(),
  },
  (t) => [
    // A run-complete event heard twice (several nodes) queues the run once per member.
    uniqueIndex('failure_alert_queue_user_id_run_id_index').on(t.userId, t.runId),
    index('failure_alert_queue_user_id_project_id_index').on(t.userId, t.projectId),
    index('failure_alert_queue_project_id_index').on(t.projectId),
    // Delivery rounds read only what waits to be sent, and clean up sent rows by age.
    index('failure_alert_queue_pending_index')
      .on(t.userId, t.projectId)
      .where(sql`claimed_at IS NULL`),
    index('failure_alert_queue_sent_at_index').on(t.sentAt).where(sql`sent_at IS NOT NULL`),
  ],
);

/** When a member was last mailed about failures in a project: at most one email per window. */
export const failureAlertWindows = pgTable(
  'failure_alert_windows',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    lastSentAt: usec('last_sent_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.projectId] }),
    index('failure_alert_windows_project_id_index').on(t.projectId),
  ],
);

export const PROJECT_DIGESTS = ['daily', 'weekly', 'monthly'] as const;

/**
 * Periodic project digests (`project_users.digest`) claimed for sending: one row per member,
 * project and period, inserted by the node that sends it, so no digest goes out twice.
 */
export const projectDigestDeliveries = pgTable(
  'project_digest_deliveries',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    digest: text('digest').$type<(typeof PROJECT_DIGESTS)[number]>().notNull(),
    /** The end of the period the digest covers (e.g. 10:00 UTC of the day it is sent). */
    periodEnd: usec('period_end').notNull(),
    insertedAt: insertedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.projectId, t.digest, t.periodEnd] }),
    index('project_digest_deliveries_project_id_index').on(t.projectId),
  ],
);

// ── Collections ────────────────────────────────────────────────────────────────────────────────

/**
 * Named key-value stores of a project that jobs use between runs (`@openfn/language-collections`).
 * Names are unique across the instance: the API addresses a collection by name alone.
 * `byte_size_sum` is the sum of `octet_length(key) + octet_length(value)` of its items, kept up to
 * date by every write in the same transaction, so limits never need to add up the items.
 */
export const collections = pgTable(
  'collections',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    byteSizeSum: bigint('byte_size_sum', { mode: 'number' }).notNull().default(0),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('collections_name_index').on(t.name),
    index('collections_project_id_index').on(t.projectId),
  ],
);

/**
 * One item of a collection: the value is JSON text, stored as the client sent it. `id` orders
 * items in the order they were first written and is the stream cursor (keyset pagination).
 */
export const collectionItems = pgTable(
  'collections_items',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.collectionId, t.key] }),
    // Streams read a collection in id order from a cursor.
    uniqueIndex('collections_items_collection_id_id_index').on(t.collectionId, t.id),
  ],
);

// ── Observability ──────────────────────────────────────────────────────────────────────────────

/**
 * Metrics that one node computes for the whole cluster each period (the run-queue gauges): the
 * row records when and by whom they were last computed, and their values, which every node then
 * exposes on its /metrics (observability/run-queue-metrics.ts).
 */
export const metricsSnapshots = pgTable('metrics_snapshots', {
  name: text('name').primaryKey(),
  computedAt: usec('computed_at').notNull(),
  computedBy: text('computed_by').notNull(),
  values: jsonb('values').$type<Record<string, number>>().notNull(),
});

/**
 * Usage tracking (observability/usage-tracking/): the instance's anonymous identity and the day
 * reporting began, one row.
 */
export const usageTrackingConfiguration = pgTable(
  'usage_tracking_configuration',
  {
    id: integer('id').primaryKey().default(1),
    instanceId: uuid('instance_id').notNull(),
    /** Days after this one (UTC date) are reported; set when tracking first ran. */
    startReportingAfter: text('start_reporting_after').notNull(),
    insertedAt: insertedAt(),
  },
  (t) => [check('usage_tracking_configuration_single_row', sql`${t.id} = 1`)],
);

/**
 * One daily usage report (Lightning's version 2), kept until it is submitted and afterwards (the
 * record of what was sent). A submission in progress holds `lease_until`, so one node of the
 * cluster submits each report at a time, without a transaction open across the HTTP call.
 */
export const usageTrackingReports = pgTable(
  'usage_tracking_reports',
  {
    /** The UTC date reported on, `YYYY-MM-DD`. */
    reportDate: text('report_date').primaryKey(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    submitted: boolean('submitted').notNull().default(false),
    submittedAt: usec('submitted_at'),
    attempts: integer('attempts').notNull().default(0),
    leaseUntil: usec('lease_until'),
    insertedAt: insertedAt(),
  },
  (t) => [
    index('usage_tracking_reports_unsubmitted_index').on(t.reportDate).where(sql`NOT submitted`),
  ],
);

// ── Version control ────────────────────────────────────────────────────────────────────────────

/** What happened the last time a version-control step ran (a sync, a deploy, a verify). */
export interface VersionControlOutcome {
  at: string;
  status: 'ok' | 'failed';
  /** On failure: GitHub's own message (or Lightning's, when GitHub was not the problem). */
  message?: string;
  /** On failure: what the person can do about it. */
  hint?: string;
  /** The HTTP status GitHub answered, when it answered. */
  github_status?: number;
  /** Who started it: a user's email, or `github` for a deploy from the repository. */
  by?: string;
}

/**
 * A project's GitHub repository (Lightning's `project_repo_connections`): at most one per project.
 * The connection token (an HS256 JWT the repository holds as an Actions secret) is not stored;
 * only its `jti`, so a token is accepted while its connection exists and was issued for it.
 */
export const projectRepoConnections = pgTable(
  'project_repo_connections',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    githubInstallationId: text('github_installation_id').notNull(),
    /** `owner/name`. */
    repo: text('repo').notNull(),
    branch: text('branch').notNull(),
    /** A config file the repository already has; null: Lightning wrote `openfn-<id>-config.json`. */
    configPath: text('config_path'),
    syncDirection: text('sync_direction').$type<'deploy' | 'pull'>().notNull(),
    accessTokenJti: uuid('access_token_jti').notNull(),
    lastSyncToGithub: jsonb('last_sync_to_github').$type<VersionControlOutcome>(),
    lastDeployFromGithub: jsonb('last_deploy_from_github').$type<VersionControlOutcome>(),
    lastVerify: jsonb('last_verify').$type<VersionControlOutcome>(),
    insertedAt: insertedAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('project_repo_connections_project_id_index').on(t.projectId),
    check(
      'project_repo_connections_sync_direction_check',
      oneOf('sync_direction', ['deploy', 'pull']),
    ),
  ],
);
