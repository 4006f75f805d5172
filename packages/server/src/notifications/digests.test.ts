// Periodic project digests: the schedule's periods, and one email per member, project and period
// (local mail provider), whatever the number of nodes checking.
import { and, eq, inArray } from 'drizzle-orm';
import { loadConfig } from '../config/index.js';
import { schema } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { digestPeriod, sendProjectDigests } from './digests.js';
import { createMailer, type Mailer } from './mailer.js';

const logger = createLogger('silent');
let database: TestDatabase;
let mailer: Mailer;

beforeAll(async () => {
  database = await createTestDatabase();
  mailer = createMailer({ config: loadConfig({}).config, db: database.db, logger });
});
afterAll(async () => {
  await database?.close();
});

const iso = (date: Date) => date.toISOString();

describe('digestPeriod', () => {
  it('daily: the 24 hours up to the latest 10:00 UTC', () => {
    const early = digestPeriod('daily', new Date('2026-03-04T09:59:59Z'));
    expect([iso(early.from), iso(early.to)]).toEqual([
      '2026-03-02T10:00:00.000Z',
      '2026-03-03T10:00:00.000Z',
    ]);
    expect(iso(digestPeriod('daily', new Date('2026-03-04T10:00:00Z')).to)).toBe(
      '2026-03-04T10:00:00.000Z',
    );
  });

  it('weekly: the 7 days up to the latest Monday 10:00 UTC', () => {
    // 2026-03-04 is a Wednesday.
    const week = digestPeriod('weekly', new Date('2026-03-04T12:00:00Z'));
    expect([iso(week.from), iso(week.to)]).toEqual([
      '2026-02-23T10:00:00.000Z',
      '2026-03-02T10:00:00.000Z',
    ]);
    expect(iso(digestPeriod('weekly', new Date('2026-03-02T09:00:00Z')).to)).toBe(
      '2026-02-23T10:00:00.000Z',
    );
  });

  it('monthly: the previous month, from the 1st 10:00 UTC, across a year', () => {
    const january = digestPeriod('monthly', new Date('2026-01-05T00:00:00Z'));
    expect([iso(january.from), iso(january.to)]).toEqual([
      '2025-12-01T10:00:00.000Z',
      '2026-01-01T10:00:00.000Z',
    ]);
    expect(iso(digestPeriod('monthly', new Date('2026-03-01T09:00:00Z')).to)).toBe(
      '2026-02-01T10:00:00.000Z',
    );
  });
});

describe('sendProjectDigests', () => {
  it('mails each subscribed member once per period with counts per workflow', async () => {
    const db = database.db;
    const first = await createWorkflowFixture(db);
    const second = await createWorkflowFixture(db, { projectId: first.projectId });
    const projectId = first.projectId;
    const member = async (digest: string) => {
      const user = await createTestUser(db, { projects: { [projectId]: 'viewer' } });
      await db
        .update(schema.projectUsers)
        .set({ digest })
        .where(
          and(
            eq(schema.projectUsers.userId, user.id),
            eq(schema.projectUsers.projectId, projectId),
          ),
        );
      return user;
    };
    const daily = await member('daily');
    const weekly = await member('weekly');
    const never = await member('never');

    // Monday 2026-03-02 10:05 UTC: the daily period is Sunday 10:00 → Monday 10:00.
    const now = new Date('2026-03-02T10:05:00Z');
    const workOrders: { id: string; state: string; at: string }[] = [];
    for (const [state, at] of [
      ['success', '2026-03-02T09:00:00Z'],
      ['success', '2026-03-01T12:00:00Z'],
      ['failed', '2026-03-01T13:00:00Z'],
      ['crashed', '2026-02-27T08:00:00Z'], // this week, not today
      ['success', '2026-02-20T08:00:00Z'], // before both periods
    ] as const) {
      const { workOrderId } = await enqueueRun(db, first);
      workOrders.push({ id: workOrderId, state, at });
    }
    for (const wo of workOrders) {
      await db
        .update(schema.workOrders)
        .set({ state: wo.state as 'success', insertedAt: wo.at })
        .where(eq(schema.workOrders.id, wo.id));
    }

    const options = { db, mailer, logger, publicUrl: 'https://l.example.org', now: () => now };
    // Two nodes checking at once.
    const sent = await Promise.all([sendProjectDigests(options), sendProjectDigests(options)]);
    expect(sent[0] + sent[1]).toBe(2);
    expect(await sendProjectDigests(options)).toBe(0);

    const mailOf = (user: TestUser) =>
      db.select().from(schema.mailMessages).where(eq(schema.mailMessages.recipient, user.email));
    const [dailyMail, ...moreDaily] = await mailOf(daily);
    expect(moreDaily).toEqual([]);
    const firstName = `workflow-${first.workflowId.slice(0, 8)}`;
    const secondName = `workflow-${second.workflowId.slice(0, 8)}`;
    expect(dailyMail?.subject).toBe(`Daily digest for project-${projectId.slice(0, 8)}`);
    expect(dailyMail?.text).toContain('2026-03-01 10:00 to 2026-03-02 10:00 UTC');
    expect(dailyMail?.text).toContain(`${firstName}: 3 work orders — 2 succeeded, 1 failed`);
    expect(dailyMail?.text).toContain(`${secondName}: 0 work orders — 0 succeeded, 0 failed`);
    expect(dailyMail?.text).toContain(`https://l.example.org/projects/${projectId}/history`);

    const weeklyMail = await mailOf(weekly);
    expect(weeklyMail).toHaveLength(1);
    expect(weeklyMail[0]?.subject).toBe(`Weekly digest for project-${projectId.slice(0, 8)}`);
    expect(weeklyMail[0]?.text).toContain(`${firstName}: 4 work orders — 2 succeeded, 2 failed`);
    expect(await mailOf(never)).toEqual([]);

    // A day and more after Monday 10:00, the weekly period is not sent late to a new subscriber.
    const late = await member('weekly');
    const tuesday = { ...options, now: () => new Date('2026-03-03T11:00:00Z') };
    await sendProjectDigests(tuesday);
    expect(await mailOf(late)).toEqual([]);
    // The next day's daily digest goes out.
    expect((await mailOf(daily)).length).toBe(2);
    const deliveries = await db
      .select()
      .from(schema.projectDigestDeliveries)
      .where(inArray(schema.projectDigestDeliveries.userId, [daily.id, weekly.id]));
    expect(deliveries).toHaveLength(3);
  });
});
