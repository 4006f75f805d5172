// Resets a demo instance (IS_RESETTABLE_DEMO=true): wipes every table of the instance's data and
// seeds the demo project and users, in one transaction, so a failed reset leaves the old data and
// a concurrent reader sees either the old instance or the new one. The migrations (kept in the
// `drizzle` schema) are untouched. Refuses on any instance not configured as a demo.
import { sql } from 'drizzle-orm';
import { createUser } from '../accounts/index.js';
import type { Config } from '../config/index.js';
import { type Database, queryRows } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import { addMemberByEmail } from '../projects/index.js';
import { provisionProject } from '../workflows/provision.js';
import { DEMO_PROJECT_NAME, DEMO_USERS, type DemoUser, demoProjectDocument } from './content.js';

export class DemoResetRefusedError extends Error {
  override name = 'DemoResetRefusedError';
  constructor() {
    super(
      'This instance is not a resettable demo: reset-demo would destroy all of its data. Set IS_RESETTABLE_DEMO=true only on a demo instance.',
    );
  }
}

export interface DemoResetReport {
  projectId: string;
  projectName: string;
  workflowCount: number;
  users: DemoUser[];
  /** Where the demo's webhook workflow listens. */
  webhookUrl: string;
}

/** Every table in the `public` schema: the instance's data, whatever contexts have been added. */
async function dataTables(db: Database): Promise<string[]> {
  const rows = await queryRows<{ tablename: string }>(
    db,
    sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  return rows.map((row) => row.tablename);
}

/**
 * Wipes the instance and seeds the demo.
 *
 * @example
 * const report = await resetDemo(database.db, config); // throws DemoResetRefusedError unless a demo
 */
export async function resetDemo(
  db: Database,
  config: Pick<Config, 'accounts' | 'http'>,
): Promise<DemoResetReport> {
  if (!config.accounts.isResettableDemo) throw new DemoResetRefusedError();
  return db.transaction(async (tx) => {
    const tables = await dataTables(tx);
    if (tables.length > 0) {
      const list = tables.map((name) => `"public"."${name.replaceAll('"', '""')}"`).join(', ');
      await tx.execute(sql.raw(`TRUNCATE TABLE ${list} RESTART IDENTITY CASCADE`));
    }

    const created = new Map<string, Awaited<ReturnType<typeof createUser>>>();
    for (const user of DEMO_USERS) {
      const row = await createUser(
        tx,
        {
          first_name: user.firstName,
          last_name: user.lastName,
          email: user.email,
          password: user.password,
        },
        { role: user.role === 'superuser' ? 'superuser' : 'user', confirmed: true },
      );
      created.set(user.email, row);
    }
    const owner = created.get(DEMO_USERS[0]!.email)!;

    const { document, webhookTriggerId } = demoProjectDocument();
    await provisionProject(tx, document, { ownerId: owner.id });

    // The demo superuser adds the other members, as they would in the app (and in the trail).
    const actor: Actor = {
      user: {
        id: owner.id,
        email: owner.email,
        firstName: owner.firstName,
        lastName: owner.lastName,
        role: owner.role,
        mfaEnabled: owner.mfaEnabled,
        confirmedAt: owner.confirmedAt,
      },
      via: 'session',
      tokenId: owner.id,
    };
    for (const user of DEMO_USERS) {
      if (user.role === 'superuser') continue;
      await addMemberByEmail(tx, actor, document.id, { email: user.email, role: user.role });
    }

    return {
      projectId: document.id,
      projectName: DEMO_PROJECT_NAME,
      workflowCount: document.workflows.length,
      users: [...DEMO_USERS],
      webhookUrl: `${config.http.publicUrl}/i/${webhookTriggerId}`,
    };
  });
}
