// Periodic project digests (`project_users.digest`): a summary of a project's work orders per
// workflow, mailed to the members who asked for one, on OpenFn Lightning's schedule — daily at
// 10:00 UTC (covering the 24 hours before), weekly on Mondays at 10:00 UTC (the 7 days before),
// monthly on the 1st at 10:00 UTC (the month before).
//
// Every node checks on a timer; a member's digest for one period is claimed by inserting its row
// into `project_digest_deliveries` (primary key: member, project, kind, period end), so exactly
// one node sends it. A node that was down at 10:00 catches up within the next 24 hours; older
// periods are not sent late. A failed send gives the claim back for the next check.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { startRepeatingTask } from '../cluster/repeating-task.js';
import { type Database, queryRows, schema } from '../db/index.js';
import { summarizeProjectActivity, type WorkflowActivity } from '../runs/index.js';
import type { Mailer, MailMessage } from './mailer.js';

export type DigestKind = (typeof schema.PROJECT_DIGESTS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Digests are sent at this hour (UTC), as Lightning's scheduler does. */
const SEND_HOUR_UTC = 10;
/** How late a node may still send a period's digest. */
const CATCH_UP_MS = DAY_MS;
/** Members handled per kind and check. */
const MEMBERS_PER_CHECK = 200;
export const DEFAULT_DIGEST_INTERVAL_MS = 5 * 60_000;

/** The latest period of a kind that has ended at `now`: `[from, to)`. */
export function digestPeriod(kind: DigestKind, now: Date): { from: Date; to: Date } {
  const at = (year: number, month: number, day: number) =>
    new Date(Date.UTC(year, month, day, SEND_HOUR_UTC));
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  if (kind === 'daily') {
    let to = at(y, m, d);
    if (to > now) to = new Date(to.getTime() - DAY_MS);
    return { from: new Date(to.getTime() - DAY_MS), to };
  }
  if (kind === 'weekly') {
    // Monday of this week (getUTCDay: 0 = Sunday).
    const sinceMonday = (now.getUTCDay() + 6) % 7;
    let to = at(y, m, d - sinceMonday);
    if (to > now) to = new Date(to.getTime() - 7 * DAY_MS);
    return { from: new Date(to.getTime() - 7 * DAY_MS), to };
  }
  let to = at(y, m, 1);
  if (to > now) to = at(y, m - 1, 1);
  return { from: at(to.getUTCFullYear(), to.getUTCMonth() - 1, 1), to };
}

export interface ProjectDigestOptions {
  db: Database;
  mailer: Mailer;
  logger: Logger;
  publicUrl: string;
  now?: () => Date;
}

/** One check: sends every digest that is due and not yet claimed; returns how many were sent. */
export async function sendProjectDigests(options: ProjectDigestOptions): Promise<number> {
  const { db, logger } = options;
  const now = (options.now ?? (() => new Date()))();
  let sent = 0;
  for (const kind of schema.PROJECT_DIGESTS) {
    const period = digestPeriod(kind, now);
    if (now.getTime() - period.to.getTime() > CATCH_UP_MS) continue;
    const to = period.to.toISOString();
    const members = await queryRows<{
      user_id: string;
      project_id: string;
      email: string;
      project_name: string;
    }>(
      db,
      sql`SELECT pu.user_id, pu.project_id, u.email, p.name AS project_name
            FROM project_users pu
            JOIN users u ON u.id = pu.user_id AND NOT u.disabled
            JOIN projects p ON p.id = pu.project_id
           WHERE pu.digest = ${kind}
             AND NOT EXISTS (
               SELECT 1 FROM project_digest_deliveries d
                WHERE d.user_id = pu.user_id AND d.project_id = pu.project_id
                  AND d.digest = ${kind} AND d.period_end = ${to}::timestamptz)
           LIMIT ${MEMBERS_PER_CHECK}`,
    );
    for (const member of members) {
      const claimed = await queryRows<{ user_id: string }>(
        db,
        sql`INSERT INTO project_digest_deliveries (user_id, project_id, digest, period_end)
            VALUES (${member.user_id}, ${member.project_id}, ${kind}, ${to}::timestamptz)
            ON CONFLICT DO NOTHING
            RETURNING user_id`,
      );
      if (claimed.length === 0) continue;
      try {
        const activity = await summarizeProjectActivity(db, member.project_id, period);
        await options.mailer.send(
          composeProjectDigest({
            email: member.email,
            projectId: member.project_id,
            projectName: member.project_name,
            kind,
            period,
            activity,
            publicUrl: options.publicUrl,
          }),
        );
        sent += 1;
      } catch (error) {
        logger.warn(
          {
            userId: member.user_id,
            projectId: member.project_id,
            kind,
            reason: (error as Error).message,
          },
          'project digest not sent; retried at the next check',
        );
        await db.execute(
          sql`DELETE FROM project_digest_deliveries
               WHERE user_id = ${member.user_id} AND project_id = ${member.project_id}
                 AND digest = ${kind} AND period_end = ${to}::timestamptz`,
        );
      }
    }
  }
  return sent;
}

const KIND_TITLE: Record<DigestKind, string> = {
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
};

export function composeProjectDigest(input: {
  email: string;
  projectId: string;
  projectName: string;
  kind: DigestKind;
  period: { from: Date; to: Date };
  activity: WorkflowActivity[];
  publicUrl: string;
}): MailMessage {
  const base = input.publicUrl.replace(/\/+$/, '');
  const name = input.projectName.replace(/[\r\n]+/g, ' ');
  const range = `${input.period.from.toISOString().slice(0, 16).replace('T', ' ')} to ${input.period.to
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ')} UTC`;
  const line = (a: WorkflowActivity) =>
    `${a.workflowName}: ${a.workOrders} work order${a.workOrders === 1 ? '' : 's'} — ${a.succeeded} succeeded, ${a.failed} failed${a.other ? `, ${a.other} other` : ''}`;
  const text = [
    `${KIND_TITLE[input.kind]} digest for project "${input.projectName}", ${range}.`,
    '',
    ...(input.activity.length ? input.activity.map(line) : ['This project has no workflows.']),
    '',
    `History: ${base}/projects/${input.projectId}/history`,
    '',
    "To stop these emails, set the digest to never in the project's settings.",
  ].join('\n');
  return {
    to: input.email,
    subject: `${KIND_TITLE[input.kind]} digest for ${name}`,
    text,
  };
}

export interface ProjectDigests {
  stop(): Promise<void>;
}

/** Checks for due digests on a timer (every node; claims make one of them send each). */
export function startProjectDigests(
  options: ProjectDigestOptions & { intervalMs?: number },
): ProjectDigests {
  const intervalMs = options.intervalMs ?? DEFAULT_DIGEST_INTERVAL_MS;
  const check = async () => {
    try {
      const sent = await sendProjectDigests(options);
      if (sent > 0) options.logger.info({ emails: sent }, 'project digests sent');
    } catch (error) {
      options.logger.error({ err: error }, 'project digest check failed');
    }
  };
  return startRepeatingTask({ round: check, intervalMs });
}
