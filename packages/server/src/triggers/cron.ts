// The cron scheduler: each enabled cron trigger fires once per due time, across the whole cluster.
//
// Every node runs the scheduler; each tick (just after each minute starts) works out, per trigger,
// the latest scheduled time at or before now. It fires when that time is later than the trigger's
// last firing and not before the trigger last changed (a trigger created at 10:00:30 first fires at
// its next time, not for 10:00). Firing = one transaction inserting (trigger, scheduled time) into
// cron_trigger_firings and creating the work order: the primary key makes a second node's attempt
// for the same time a no-op, so no time fires twice whatever the nodes do. A node that was down
// catches up with the latest missed time only, once: an hourly job down for a day runs once on
// return, not 24 times.
//
// On PostgreSQL the tick also takes an advisory lock so that, normally, one node does the work
// while the others skip; correctness does not depend on it. On PGlite there is one process.
import { and, eq, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Bus } from '../cluster/index.js';
import { type Database, type DatabaseHandle, queryRows, schema } from '../db/index.js';
import type { createWorkOrder } from '../runs/index.js';
import {
  type CronTarget,
  getCurrentSnapshot,
  listEnabledCronTargets,
  parseCronExpression,
} from '../workflows/index.js';
import { findCronInputDataclip } from './cron-input.js';

const { cronTriggerFirings } = schema;

/** Advisory lock key of the scheduler tick (an arbitrary constant, unique among our locks). */
const ADVISORY_LOCK_KEY = 7_146_522_011;

export interface CronSchedulerDependencies {
  database: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'>;
  bus: Bus;
  logger: Logger;
  createWorkOrder: typeof createWorkOrder;
  /** Milliseconds since the epoch; tests pass a clock to play minutes forward. */
  now?: () => number;
}

export interface CronFiring {
  triggerId: string;
  scheduledAt: Date;
  workOrderId: string;
}

export interface CronScheduler {
  /** Fires what is due at `now` (default: the clock). Returns what this call fired. */
  tick(now?: Date): Promise<CronFiring[]>;
  stop(): Promise<void>;
}

/** The latest time at or before `now` that `expression` schedules, or undefined. */
export function latestDueTime(expression: string, now: Date): Date | undefined {
  // previousRuns excludes its reference point; one millisecond later includes a time of exactly now.
  return parseCronExpression(expression).previousRuns(1, new Date(now.getTime() + 1))[0];
}

/** Creates the scheduler; `start` begins ticking just after every minute. */
export function createCronScheduler(deps: CronSchedulerDependencies): CronScheduler & {
  start(): void;
} {
  const clock = deps.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const tick = async (now = new Date(clock())): Promise<CronFiring[]> => {
    const { pool, db } = deps.database;
    if (deps.database.kind !== 'postgres' || !pool) return fireDue(deps, db, now);
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS locked',
        [ADVISORY_LOCK_KEY],
      );
      if (!rows[0]?.locked) return [];
      try {
        return await fireDue(deps, db, now);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]);
      }
    } finally {
      client?.release();
    }
  };

  const schedule = () => {
    if (stopped) return;
    // A second past the minute: the new minute's times are due, and clocks of nodes may differ a bit.
    const delay = 60_000 - (clock() % 60_000) + 1_000;
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => deps.logger.error({ err: error }, 'cron: tick failed'))
        .finally(schedule);
    }, delay);
    timer.unref();
  };

  return {
    tick,
    start: () => {
      running = tick()
        .catch((error: unknown) => deps.logger.error({ err: error }, 'cron: tick failed'))
        .finally(schedule);
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

async function fireDue(
  deps: CronSchedulerDependencies,
  db: Database,
  now: Date,
): Promise<CronFiring[]> {
  const targets = await listEnabledCronTargets(db);
  if (targets.length === 0) return [];
  const last = await lastFirings(
    db,
    targets.map((target) => target.triggerId),
  );
  const fired: CronFiring[] = [];
  for (const target of targets) {
    try {
      const due = latestDueTime(target.cronExpression, now);
      if (!due || due < target.changedAt) continue;
      const previous = last.get(target.triggerId);
      if (previous && due <= previous) continue;
      const firing = await fire(deps, db, target, due);
      if (firing) fired.push(firing);
    } catch (error) {
      // One broken trigger must not stop the others.
      deps.logger.error(
        { err: error, triggerId: target.triggerId },
        'cron: trigger failed to fire',
      );
    }
  }
  return fired;
}

/** The latest firing of each trigger: one index-only backward scan of the primary key each. */
async function lastFirings(db: Database, triggerIds: string[]): Promise<Map<string, Date>> {
  const ids = sql.join(
    triggerIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const rows = await queryRows<{ trigger_id: string; last: string | Date | null }>(
    db,
    sql`SELECT t.id AS trigger_id,
          (SELECT max(f.scheduled_at) FROM cron_trigger_firings f WHERE f.trigger_id = t.id) AS last
        FROM unnest(ARRAY[${ids}]) AS t(id)`,
  );
  const last = new Map<string, Date>();
  for (const row of rows) if (row.last) last.set(row.trigger_id, new Date(row.last));
  return last;
}

async function fire(
  deps: CronSchedulerDependencies,
  db: Database,
  target: CronTarget,
  scheduledAt: Date,
): Promise<CronFiring | undefined> {
  // A workflow written outside the workflows context may lack its snapshot: made here, lazily.
  const snapshotId = target.snapshotId ?? (await getCurrentSnapshot(db, target.workflowId)).id;
  const inputId = await findCronInputDataclip(db, target.workflowId);
  const created = await db.transaction(async (tx) => {
    const claimed = await tx
      .insert(cronTriggerFirings)
      .values({ triggerId: target.triggerId, scheduledAt })
      .onConflictDoNothing()
      .returning({ triggerId: cronTriggerFirings.triggerId });
    if (claimed.length === 0) return undefined; // another node fired this time
    const workOrder = await deps.createWorkOrder(tx, {
      workflowId: target.workflowId,
      snapshotId,
      triggerId: target.triggerId,
      startingTriggerId: target.triggerId,
      dataclip: inputId
        ? { id: inputId }
        : { projectId: target.projectId, type: 'global', body: {} },
    });
    await tx
      .update(cronTriggerFirings)
      .set({ workOrderId: workOrder.workOrderId })
      .where(
        and(
          eq(cronTriggerFirings.triggerId, target.triggerId),
          eq(cronTriggerFirings.scheduledAt, scheduledAt),
        ),
      );
    return workOrder;
  });
  if (!created) return undefined;
  deps.bus.publish({
    type: 'run_available',
    runId: created.runId,
    workflowId: target.workflowId,
    queue: 'default',
  });
  deps.logger.info(
    {
      triggerId: target.triggerId,
      scheduledAt: scheduledAt.toISOString(),
      workOrderId: created.workOrderId,
    },
    'cron: trigger fired',
  );
  return { triggerId: target.triggerId, scheduledAt, workOrderId: created.workOrderId };
}
