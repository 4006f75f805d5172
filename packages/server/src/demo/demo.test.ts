// Resetting a demo instance: refused unless it is one; otherwise everything is replaced by the demo.
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../accounts/index.js';
import { listAuditEvents, recordAuditEvent } from '../audit/index.js';
import { loadConfig } from '../config/index.js';
import { queryRows, schema } from '../db/index.js';
import { createTestUser } from '../test-support/actors.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { findPlaintextSecrets } from '../test-support/secret-scan.js';
import { describeProject } from '../workflows/provision.js';
import { DEMO_PROJECT_NAME, DEMO_USERS, DemoResetRefusedError, resetDemo } from './index.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const demoConfig = (isResettableDemo: boolean) => {
  const { config } = loadConfig({
    LIGHTNING_DATA_DIR: '/tmp/unused',
    IS_RESETTABLE_DEMO: String(isResettableDemo),
    URL_HOST: 'demo.example.org',
  });
  return config;
};

const rowCount = async (table: typeof schema.users | typeof schema.projects) =>
  (await database.db.select({ n: count() }).from(table))[0]!.n;

describe('resetDemo', () => {
  it('refuses on an instance that is not a resettable demo, and changes nothing', async () => {
    const user = await createTestUser(database.db, { email: 'keep@example.com' });
    await expect(resetDemo(database.db, demoConfig(false))).rejects.toBeInstanceOf(
      DemoResetRefusedError,
    );
    const [kept] = await database.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.id, user.id));
    expect(kept?.email).toBe('keep@example.com');
  });

  it('wipes the instance and seeds the demo project, its workflows and its users', async () => {
    const { db } = database;
    const old = await createTestUser(db, { email: 'old@example.com' });
    const [oldProject] = await db
      .insert(schema.projects)
      .values({ name: 'old-project' })
      .returning({ id: schema.projects.id });
    await recordAuditEvent(db, { event: 'old', itemType: 'user', itemId: old.id });

    const report = await resetDemo(db, demoConfig(true));

    expect(report.projectName).toBe(DEMO_PROJECT_NAME);
    expect(report.webhookUrl).toMatch(/^http:\/\/demo\.example\.org:4000\/i\/[0-9a-f-]{36}$/);
    // Nothing of before is left.
    const users = await db.select().from(schema.users);
    expect(users.map((u) => u.email).sort()).toEqual(DEMO_USERS.map((u) => u.email).sort());
    expect(await rowCount(schema.projects)).toBe(1);
    const [project] = await db.select().from(schema.projects);
    expect(project!.id).not.toBe(oldProject!.id);
    expect((await listAuditEvents(db, { scope: 'all' })).data.map((e) => e.event)).not.toContain(
      'old',
    );

    // People: known passwords (argon2id hashes), the superuser owns the project.
    for (const demo of DEMO_USERS) {
      const row = users.find((u) => u.email === demo.email)!;
      expect(row.hashedPassword).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(row.hashedPassword, demo.password)).toBe(true);
      expect(row.role).toBe(demo.role === 'superuser' ? 'superuser' : 'user');
      expect(row.confirmedAt).not.toBeNull();
    }
    const members = await db
      .select({ email: schema.users.email, role: schema.projectUsers.role })
      .from(schema.projectUsers)
      .innerJoin(schema.users, eq(schema.users.id, schema.projectUsers.userId));
    expect(members.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { email: 'demo@openfn.org', role: 'owner' },
      { email: 'editor@openfn.org', role: 'editor' },
      { email: 'viewer@openfn.org', role: 'viewer' },
    ]);

    // Workflows as provisioning stores them: each with its snapshot.
    const document = await describeProject(db, report.projectId);
    const workflows = document.workflows as {
      name: string;
      jobs: { adaptor: string }[];
      triggers: { type: string; cron_expression?: string | null }[];
      edges: unknown[];
    }[];
    expect(workflows.map((w) => w.name).sort()).toEqual(['Daily report', 'Fetch and transform']);
    const webhook = workflows.find((w) => w.name === 'Fetch and transform')!;
    expect(webhook.jobs.map((j) => j.adaptor.split('@')[1])).toEqual(
      expect.arrayContaining(['openfn/language-http', 'openfn/language-common']),
    );
    expect(webhook.triggers.map((t) => t.type)).toEqual(['webhook']);
    expect(webhook.edges).toHaveLength(2);
    const cron = workflows.find((w) => w.name === 'Daily report')!;
    expect(cron.triggers[0]).toMatchObject({ type: 'cron', cron_expression: '0 9 * * *' });
    const snapshots = await db.select().from(schema.workflowSnapshots);
    expect(snapshots).toHaveLength(2);

    // The known demo passwords exist only as hashes.
    const tables = await queryRows<{ tablename: string }>(
      db,
      sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    const scan = await findPlaintextSecrets(
      db,
      tables.map((t) => t.tablename),
      DEMO_USERS.map((u) => u.password),
    );
    expect(scan.hits).toEqual([]);

    // A second reset gives a fresh demo again (not a second copy).
    const again = await resetDemo(db, demoConfig(true));
    expect(again.projectId).not.toBe(report.projectId);
    expect(await rowCount(schema.projects)).toBe(1);
    expect(await rowCount(schema.users)).toBe(DEMO_USERS.length);
  });
});
