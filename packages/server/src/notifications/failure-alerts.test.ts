// Failure alerts end to end below HTTP: run completions heard on a bus, queued per opted-in member,
// mailed through the real local provider (mail_messages), with the clock moved on by the test.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { type Bus, createLocalBus } from '../cluster/index.js';
import { loadConfig } from '../config/index.js';
import { openDatabase, queryRows, schema } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from '../runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import {
  deliverFailureAlerts,
  type FailureAlerts,
  queueFailureAlerts,
  startFailureAlerts,
} from './failure-alerts.js';
import { createMailer, type Mailer } from './mailer.js';

const logger = createLogger('silent');
const WINDOW_MS = 5 * 60_000;
const PUBLIC_URL = 'https://lightning.example.org';

let database: TestDatabase;
let mailer: Mailer;

beforeAll(async () => {
  database = await createTestDatabase();
  mailer = createMailer({ config: loadConfig({}).config, db: database.db, logger });
});
afterAll(async () => {
  await database?.close();
});

const db = () => database.db;

/** A project with two workflows and members; `optedIn` members want failure alerts. */
async function projectWithMembers() {
  const first = await createWorkflowFixture(db());
  const second = await createWorkflowFixture(db(), { projectId: first.projectId });
  const member = async (role: 'viewer' | 'editor' | 'admin', failureAlert: boolean) => {
    const user = await createTestUser(db(), { projects: { [first.projectId]: role } });
    await db()
      .update(schema.projectUsers)
      .set({ failureAlert })
      .where(
        and(
          eq(schema.projectUsers.userId, user.id),
          eq(schema.projectUsers.projectId, first.projectId),
        ),
      );
    return user;
  };
  const alice = await member('editor', true);
  const bob = await member('viewer', true);
  const carol = await member('admin', false);
  const dave = await member('editor', true);
  await db().update(schema.users).set({ disabled: true }).where(eq(schema.users.id, dave.id));
  return { first, second, projectId: first.projectId, alice, bob, carol, dave };
}

/** `count` finished runs of the workflow in `state`, inserted in one statement; their ids. */
async function finishedRuns(
  fixture: WorkflowFixture,
  count: number,
  state: string,
): Promise<string[]> {
  const { workOrderId } = await enqueueRun(db(), fixture);
  const rows = await queryRows<{ id: string }>(
    db(),
    sql`INSERT INTO runs (work_order_id, workflow_id, snapshot_id, starting_trigger_id, state,
                          finished_at)
        SELECT ${workOrderId}, ${fixture.workflowId}, ${fixture.snapshotId},
               ${fixture.triggerId}, ${state}, now()
          FROM generate_series(1, ${count})
        RETURNING id`,
  );
  return rows.map((row) => row.id);
}

const mailTo = async (user: TestUser) =>
  db().select().from(schema.mailMessages).where(eq(schema.mailMessages.recipient, user.email));

/** Runs waiting to be mailed (not yet sent) in a project, over all members. */
const queued = async (projectId: string) =>
  db().$count(
    schema.failureAlertQueue,
    and(eq(schema.failureAlertQueue.projectId, projectId), isNull(schema.failureAlertQueue.sentAt)),
  );

const failed = (bus: Bus, runIds: string[], state = 'failed') => {
  for (const runId of runIds) {
    bus.publish({ type: 'run_updated', runId, workOrderId: runId, state });
  }
};

describe('failure alerts', () => {
  let bus: Bus;
  let alerts: FailureAlerts;
  let clock: Date;

  beforeEach(() => {
    bus = createLocalBus();
    clock = new Date('2026-03-01T10:00:00Z');
    alerts = startFailureAlerts({
      db: db(),
      bus,
      mailer,
      logger,
      publicUrl: PUBLIC_URL,
      windowMs: WINDOW_MS,
      // The timer never fires during a test: rounds run when the test flushes.
      intervalMs: 3_600_000,
      now: () => clock,
    });
  });
  afterEach(async () => {
    await alerts.stop();
    await bus.close();
  });

  it('1,000 failures mail each opted-in member twice: one prompt email, one digest', async () => {
    const p = await projectWithMembers();
    const burstFirst = await finishedRuns(p.first, 599, 'failed');
    const crashed = await finishedRuns(p.first, 1, 'crashed');
    const burstSecond = await finishedRuns(p.second, 400, 'failed');
    const [succeeded = ''] = await finishedRuns(p.first, 1, 'success');
    const [cancelled = ''] = await finishedRuns(p.first, 1, 'cancelled');
    const [firstFailure = '', ...rest] = [...burstFirst, ...burstSecond];

    // The first failure: each opted-in member is mailed at once.
    failed(bus, [firstFailure]);
    await alerts.flush();
    for (const user of [p.alice, p.bob]) {
      const mail = await mailTo(user);
      expect(mail).toHaveLength(1);
      expect(mail[0]?.subject).toBe(`A run failed in project-${p.projectId.slice(0, 8)}`);
      expect(mail[0]?.text).toContain(`${PUBLIC_URL}/projects/${p.projectId}/runs/${firstFailure}`);
    }

    // The rest of the burst (and the first one heard again, as from another node) within the
    // window: queued, not mailed. Success and cancelled runs are not failures.
    failed(bus, [firstFailure, ...rest]);
    failed(bus, crashed, 'crashed');
    bus.publish({
      type: 'run_updated',
      runId: succeeded,
      workOrderId: succeeded,
      state: 'success',
    });
    bus.publish({
      type: 'run_updated',
      runId: cancelled,
      workOrderId: cancelled,
      state: 'cancelled',
    });
    await alerts.flush();
    expect(await queued(p.projectId)).toBe(999 * 2);
    expect(await mailTo(p.alice)).toHaveLength(1);

    // Still inside the window: nothing more.
    clock = new Date(clock.getTime() + WINDOW_MS - 1000);
    expect(await alerts.flush()).toMatchObject({ sent: 0 });

    // The window ends: one digest per member with counts per workflow and links.
    clock = new Date(clock.getTime() + 1000);
    expect(await alerts.flush()).toEqual({ sent: 2, runs: 999 * 2, failed: 0 });
    for (const user of [p.alice, p.bob]) {
      const mail = await mailTo(user);
      expect(mail).toHaveLength(2);
      const digest = mail.find((m) => m.subject.startsWith('999'));
      expect(digest?.subject).toBe(`999 runs failed in project-${p.projectId.slice(0, 8)}`);
      expect(digest?.text).toContain(
        `workflow-${p.first.workflowId.slice(0, 8)}: 599 (598 failed, 1 crashed)`,
      );
      expect(digest?.text).toContain(
        `workflow-${p.second.workflowId.slice(0, 8)}: 400 (400 failed)`,
      );
      expect(digest?.text).toContain(`${PUBLIC_URL}/projects/${p.projectId}/runs/`);
      expect(digest?.text).toContain('… and 395 more');
      expect(digest?.text).not.toContain(firstFailure);
      expect(digest?.html).toContain(`<a href="${PUBLIC_URL}/projects/${p.projectId}/runs/`);
    }
    expect(await queued(p.projectId)).toBe(0);

    // Members without opt-in, and disabled users, get nothing.
    expect(await mailTo(p.carol)).toEqual([]);
    expect(await mailTo(p.dave)).toEqual([]);

    // Quiet afterwards.
    clock = new Date(clock.getTime() + 3 * WINDOW_MS);
    expect(await alerts.flush()).toMatchObject({ sent: 0 });
  });

  it('a failure after a quiet window mails promptly again', async () => {
    const p = await projectWithMembers();
    const runs = await finishedRuns(p.first, 2, 'exception');
    failed(bus, runs.slice(0, 1), 'exception');
    await alerts.flush();
    clock = new Date(clock.getTime() + 2 * WINDOW_MS);
    failed(bus, runs.slice(1), 'exception');
    await alerts.flush();
    const mail = await mailTo(p.alice);
    expect(mail.map((m) => m.subject)).toEqual([
      `A run failed in project-${p.projectId.slice(0, 8)}`,
      `A run failed in project-${p.projectId.slice(0, 8)}`,
    ]);
  });

  it('a member who opts out before the digest is not mailed it', async () => {
    const p = await projectWithMembers();
    const runs = await finishedRuns(p.first, 3, 'failed');
    failed(bus, runs);
    await db()
      .update(schema.projectUsers)
      .set({ failureAlert: false })
      .where(eq(schema.projectUsers.userId, p.bob.id));
    await alerts.flush();
    expect(await mailTo(p.bob)).toEqual([]);
    expect(await mailTo(p.alice)).toHaveLength(1);
    expect(await queued(p.projectId)).toBe(0);
  });
});

describe('delivery', () => {
  it('two nodes delivering at once send each digest once', async () => {
    const p = await projectWithMembers();
    const runIds = await finishedRuns(p.first, 20, 'failed');
    expect(await queueFailureAlerts(db(), runIds)).toBe(40);
    const now = () => new Date('2026-03-02T10:00:00Z');
    const node = () =>
      deliverFailureAlerts({ db: db(), mailer, logger, publicUrl: PUBLIC_URL, now });
    const rounds = await Promise.all([node(), node(), node()]);
    expect(rounds.reduce((sum, round) => sum + round.sent, 0)).toBe(2);
    expect(rounds.reduce((sum, round) => sum + round.runs, 0)).toBe(40);
    expect(await mailTo(p.alice)).toHaveLength(1);
    expect(await mailTo(p.bob)).toHaveLength(1);
  });

  it('a provider failure keeps the runs queued for the next window', async () => {
    const p = await projectWithMembers();
    const runIds = await finishedRuns(p.first, 3, 'killed');
    await queueFailureAlerts(db(), runIds);
    // A Mailgun API that is not there: every send fails for real.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const broken = createMailer({
      config: loadConfig({
        MAIL_PROVIDER: 'mailgun',
        MAILGUN_API_KEY: 'key-test',
        MAILGUN_DOMAIN: 'mg.example.org',
      }).config,
      db: db(),
      logger,
      mailgunBaseUrl: `http://127.0.0.1:${port}`,
    });
    let now = new Date('2026-03-03T10:00:00Z');
    const round = (with_: Mailer) =>
      deliverFailureAlerts({
        db: db(),
        mailer: with_,
        logger,
        publicUrl: PUBLIC_URL,
        now: () => now,
      });
    expect(await round(broken)).toEqual({ sent: 0, runs: 0, failed: 2 });
    expect(await queued(p.projectId)).toBe(6);
    // Not retried within the window, then sent with all three runs.
    expect(await round(mailer)).toMatchObject({ sent: 0 });
    now = new Date(now.getTime() + WINDOW_MS);
    expect(await round(mailer)).toEqual({ sent: 2, runs: 6, failed: 0 });
    expect((await mailTo(p.alice))[0]?.subject).toBe(
      `3 runs failed in project-${p.projectId.slice(0, 8)}`,
    );
  });

  // Two nodes = two connection pools on one database, each hearing every event (as over the
  // PostgreSQL bus) and delivering at the same moments. PGlite lives in one process: PostgreSQL only.
  it.skipIf(!process.env.DATABASE_URL)(
    'two nodes hearing the same burst send one prompt email and one digest per member',
    async () => {
      const p = await projectWithMembers();
      const runIds = await finishedRuns(p.first, 300, 'failed');
      const base = loadConfig({}).config;
      const other = await openDatabase({
        ...base,
        database: { ...base.database, url: database.url, poolSize: 5 },
      });
      let clock = new Date('2026-03-04T10:00:00Z');
      const nodes = [db(), other.db].map((nodeDb) => {
        const bus = createLocalBus();
        const alerts = startFailureAlerts({
          db: nodeDb,
          bus,
          mailer: createMailer({ config: base, db: nodeDb, logger }),
          logger,
          publicUrl: PUBLIC_URL,
          windowMs: WINDOW_MS,
          intervalMs: 3_600_000,
          now: () => clock,
        });
        return { bus, alerts };
      });
      try {
        const both = () => Promise.all(nodes.map((node) => node.alerts.flush()));
        for (const node of nodes) failed(node.bus, runIds.slice(0, 1));
        await both();
        for (const node of nodes) failed(node.bus, runIds);
        await both();
        expect(await queued(p.projectId)).toBe(299 * 2);
        clock = new Date(clock.getTime() + WINDOW_MS);
        const rounds = await both();
        expect(rounds.reduce((sum, round) => sum + round.sent, 0)).toBe(2);
        for (const user of [p.alice, p.bob]) {
          expect((await mailTo(user)).map((m) => m.subject).sort()).toEqual([
            `299 runs failed in project-${p.projectId.slice(0, 8)}`,
            `A run failed in project-${p.projectId.slice(0, 8)}`,
          ]);
        }
      } finally {
        for (const node of nodes) {
          await node.alerts.stop();
          await node.bus.close();
        }
        await other.close();
      }
    },
  );
});
