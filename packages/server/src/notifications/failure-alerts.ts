// Failure alerts: project members who opted in (`project_users.failure_alert`) are mailed when a
// run of the project ends in a failure state, de-duplicated into digests so a burst of 1,000
// failures sends a handful of emails, not 1,000.
//
// 1. Queue. Every node hears `run_updated` on the cluster bus. A failure state queues the run once
//    per opted-in member in `failure_alert_queue` (unique on member + run, so the same event heard
//    by several nodes queues it once). Events are batched: a burst becomes a few INSERT … SELECTs.
// 2. Deliver. A round looks for (member, project) pairs with queued runs whose window is open:
//    never mailed, or last mailed at least `windowMs` ago. It claims the window (an upsert that only
//    succeeds when the window is still open, so two nodes never both win it) and the queued rows
//    (`claimed_at`) in one transaction, then sends one email for all of them and marks them sent
//    (kept a day, so the same run heard late from another node is not queued again).
//    The first failure therefore mails promptly; failures during the next window wait in the queue
//    and go out together as one digest when the window ends. A failed send releases its rows for
//    the next window; rows claimed by a node that died mid-send are released after CLAIM_EXPIRY.
// Rounds run after each batch of queued failures and on a timer (to send digests when windows end).
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Bus, BusEvent } from '../cluster/index.js';
import { type Database, queryRows } from '../db/index.js';
import type { Mailer, MailMessage } from './mailer.js';

/**
 * Run states that alert. `cancelled` does not: someone stopped the run on purpose. `lost` does:
 * the worker vanished and nothing finished the run.
 */
export const FAILURE_ALERT_STATES = ['failed', 'crashed', 'killed', 'exception', 'lost'] as const;
const ALERTING = new Set<string>(FAILURE_ALERT_STATES);

/** At most one failure email per member and project per window. */
export const DEFAULT_ALERT_WINDOW_MS = 5 * 60_000;
/** How often a node checks for digests whose window ended. */
export const DEFAULT_ALERT_INTERVAL_MS = 15_000;
/** A claim older than this belongs to a node that died while sending: its rows are released. */
const CLAIM_EXPIRY_MS = 10 * 60_000;
/** Sent rows are kept this long, so a late duplicate of a run's event finds them and is ignored. */
const SENT_KEPT_MS = 24 * 3_600_000;
/** Runs listed by link per workflow in one email (the counts cover all of them). */
const LINKS_PER_WORKFLOW = 5;
/** (member, project) pairs handled per delivery round. */
const PAIRS_PER_ROUND = 200;

export interface FailureAlertOptions {
  db: Database;
  mailer: Mailer;
  logger: Logger;
  /** `config.http.publicUrl`: links in emails point at the web app there. */
  publicUrl: string;
  windowMs?: number;
  /** The clock (tests move it on instead of waiting). */
  now?: () => Date;
}

/** Queues the given finished runs for the opted-in members of their projects; returns rows queued. */
export async function queueFailureAlerts(db: Database, runIds: string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  // The run's workflow and project are read once, here; the digest needs nothing else of the run.
  const rows = await queryRows<{ id: string }>(
    db,
    sql`INSERT INTO failure_alert_queue
               (user_id, project_id, run_id, workflow_id, workflow_name, run_state)
        SELECT pu.user_id, w.project_id, r.id, w.id, w.name, r.state
          FROM runs r
          JOIN workflows w ON w.id = r.workflow_id
          JOIN project_users pu ON pu.project_id = w.project_id AND pu.failure_alert
          JOIN users u ON u.id = pu.user_id AND NOT u.disabled
         WHERE r.id IN (${sql.join(
           runIds.map((id) => sql`${id}::uuid`),
           sql`, `,
         )})
           AND r.state IN (${sql.join(
             FAILURE_ALERT_STATES.map((state) => sql`${state}`),
             sql`, `,
           )})
        ON CONFLICT (user_id, run_id) DO NOTHING
        RETURNING id`,
  );
  return rows.length;
}

interface ClaimedRun {
  id: string;
  run_id: string;
  workflow_id: string;
  workflow_name: string;
  run_state: string;
  inserted_at: string;
}

interface Digest {
  userId: string;
  projectId: string;
  email: string;
  projectName: string;
  runs: ClaimedRun[];
}

export interface DeliveryRound {
  /** Emails sent in this round. */
  sent: number;
  /** Queued runs those emails covered. */
  runs: number;
  /** Emails whose send failed (their runs wait for the next window). */
  failed: number;
}

/** One delivery round: every (member, project) pair whose window is open gets one email. */
export async function deliverFailureAlerts(options: FailureAlertOptions): Promise<DeliveryRound> {
  const { db } = options;
  const now = (options.now ?? (() => new Date()))();
  const windowMs = options.windowMs ?? DEFAULT_ALERT_WINDOW_MS;
  const nowIso = now.toISOString();
  const openBefore = new Date(now.getTime() - windowMs).toISOString();
  const expired = new Date(now.getTime() - CLAIM_EXPIRY_MS).toISOString();
  const forgetBefore = new Date(now.getTime() - SENT_KEPT_MS).toISOString();
  await db.execute(
    sql`UPDATE failure_alert_queue SET claimed_at = NULL
         WHERE claimed_at < ${expired}::timestamptz AND sent_at IS NULL`,
  );
  await db.execute(
    sql`DELETE FROM failure_alert_queue WHERE sent_at < ${forgetBefore}::timestamptz`,
  );
  const pairs = await queryRows<{ user_id: string; project_id: string }>(
    db,
    sql`SELECT DISTINCT q.user_id, q.project_id
          FROM failure_alert_queue q
          LEFT JOIN failure_alert_windows fw
            ON fw.user_id = q.user_id AND fw.project_id = q.project_id
         WHERE q.claimed_at IS NULL
           AND (fw.last_sent_at IS NULL OR fw.last_sent_at <= ${openBefore}::timestamptz)
         LIMIT ${PAIRS_PER_ROUND}`,
  );
  const round: DeliveryRound = { sent: 0, runs: 0, failed: 0 };
  for (const pair of pairs) {
    const digest = await claimDigest(db, pair.user_id, pair.project_id, nowIso, openBefore);
    if (!digest) continue;
    const ids = sql.join(
      digest.runs.map((run) => sql`${run.id}::uuid`),
      sql`, `,
    );
    try {
      await options.mailer.send(composeDigest(digest, options.publicUrl, windowMs));
    } catch (error) {
      round.failed += 1;
      options.logger.warn(
        { userId: digest.userId, projectId: digest.projectId, reason: (error as Error).message },
        'failure alert not sent; its runs wait for the next window',
      );
      await db.execute(sql`UPDATE failure_alert_queue SET claimed_at = NULL WHERE id IN (${ids})`);
      continue;
    }
    await db.execute(
      sql`UPDATE failure_alert_queue SET sent_at = ${nowIso}::timestamptz WHERE id IN (${ids})`,
    );
    round.sent += 1;
    round.runs += digest.runs.length;
  }
  return round;
}

/**
 * Takes the window of one (member, project) pair and its queued runs, or null when the window is
 * closed (another node just took it) or nothing is left to send.
 */
async function claimDigest(
  db: Database,
  userId: string,
  projectId: string,
  nowIso: string,
  openBefore: string,
): Promise<Digest | null> {
  return db
    .transaction(async (txn) => {
      const tx = txn as unknown as Database;
      const [member] = await queryRows<{ email: string; project_name: string }>(
        tx,
        sql`SELECT u.email, p.name AS project_name
            FROM project_users pu
            JOIN users u ON u.id = pu.user_id
            JOIN projects p ON p.id = pu.project_id
           WHERE pu.user_id = ${userId} AND pu.project_id = ${projectId}
             AND pu.failure_alert AND NOT u.disabled`,
      );
      if (!member) {
        // Opted out (or left the project, or was disabled) since the runs were queued.
        await tx.execute(
          sql`DELETE FROM failure_alert_queue
             WHERE user_id = ${userId} AND project_id = ${projectId} AND claimed_at IS NULL`,
        );
        return null;
      }
      const won = await queryRows<{ user_id: string }>(
        tx,
        sql`INSERT INTO failure_alert_windows (user_id, project_id, last_sent_at)
          VALUES (${userId}, ${projectId}, ${nowIso}::timestamptz)
          ON CONFLICT (user_id, project_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
           WHERE failure_alert_windows.last_sent_at <= ${openBefore}::timestamptz
          RETURNING user_id`,
      );
      if (won.length === 0) return null;
      const runs = await queryRows<ClaimedRun & Record<string, unknown>>(
        tx,
        sql`UPDATE failure_alert_queue SET claimed_at = ${nowIso}::timestamptz
           WHERE user_id = ${userId} AND project_id = ${projectId} AND claimed_at IS NULL
          RETURNING id, run_id, workflow_id, workflow_name, run_state,
                    to_char(inserted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS inserted_at`,
      );
      if (runs.length === 0) {
        // Nothing left (another node sent it between our look and our claim): the window stays
        // as it was for the next failure, so undo the upsert by rolling back.
        throw new NothingToSend();
      }
      return {
        userId,
        projectId,
        email: member.email,
        projectName: member.project_name,
        runs,
      };
    })
    .catch((error: unknown) => {
      if (error instanceof NothingToSend) return null;
      throw error;
    });
}

class NothingToSend extends Error {}

/** The email for one digest: counts per workflow and state, the latest runs as links. */
export function composeDigest(
  digest: Pick<Digest, 'email' | 'projectId' | 'projectName' | 'runs'>,
  publicUrl: string,
  windowMs: number,
): MailMessage {
  const base = publicUrl.replace(/\/+$/, '');
  const total = digest.runs.length;
  const byWorkflow = new Map<string, { name: string; runs: ClaimedRun[] }>();
  for (const run of digest.runs) {
    const entry = byWorkflow.get(run.workflow_id) ?? { name: run.workflow_name, runs: [] };
    entry.runs.push(run);
    byWorkflow.set(run.workflow_id, entry);
  }
  const workflows = [...byWorkflow.values()].sort(
    (a, b) => b.runs.length - a.runs.length || a.name.localeCompare(b.name),
  );
  const runUrl = (run: ClaimedRun) => `${base}/projects/${digest.projectId}/runs/${run.run_id}`;
  const states = (runs: ClaimedRun[]) => {
    const counts = new Map<string, number>();
    for (const run of runs) counts.set(run.run_state, (counts.get(run.run_state) ?? 0) + 1);
    return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  };
  const latest = (runs: ClaimedRun[]) =>
    [...runs]
      .sort((a, b) => b.inserted_at.localeCompare(a.inserted_at))
      .slice(0, LINKS_PER_WORKFLOW);
  const minutes = Math.max(1, Math.round(windowMs / 60_000));
  const subject =
    total === 1
      ? `A run failed in ${oneLine(digest.projectName)}`
      : `${total} runs failed in ${oneLine(digest.projectName)}`;

  const text = [
    total === 1
      ? `A run of project "${digest.projectName}" ended in a failure state.`
      : `${total} runs of project "${digest.projectName}" ended in a failure state.`,
    '',
    ...workflows.flatMap(({ name, runs }) => [
      `${name}: ${runs.length} (${states(runs)})`,
      ...latest(runs).map((run) => `  ${runUrl(run)}`),
      ...(runs.length > LINKS_PER_WORKFLOW
        ? [`  … and ${runs.length - LINKS_PER_WORKFLOW} more`]
        : []),
      '',
    ]),
    `History: ${base}/projects/${digest.projectId}/history`,
    '',
    `Further failures in this project are collected and sent at most once every ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    `To stop these emails, turn off failure alerts in the project's settings.`,
  ].join('\n');

  const html = [
    `<p>${escapeHtml(text.split('\n')[0] ?? '')}</p>`,
    '<ul>',
    ...workflows.map(
      ({ name, runs }) =>
        `<li><strong>${escapeHtml(name)}</strong>: ${runs.length} (${escapeHtml(states(runs))})<ul>${latest(
          runs,
        )
          .map(
            (run) => `<li><a href="${escapeHtml(runUrl(run))}">${escapeHtml(run.run_id)}</a></li>`,
          )
          .join('')}${
          runs.length > LINKS_PER_WORKFLOW
            ? `<li>… and ${runs.length - LINKS_PER_WORKFLOW} more</li>`
            : ''
        }</ul></li>`,
    ),
    '</ul>',
    `<p><a href="${escapeHtml(`${base}/projects/${digest.projectId}/history`)}">Project history</a></p>`,
    `<p>Further failures in this project are collected and sent at most once every ${minutes} minute${minutes === 1 ? '' : 's'}. To stop these emails, turn off failure alerts in the project's settings.</p>`,
  ].join('\n');
  return { to: digest.email, subject, text, html };
}

const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface FailureAlerts {
  /** Waits until every failure heard so far is queued and one delivery round has run. */
  flush(): Promise<DeliveryRound>;
  stop(): Promise<void>;
}

export interface StartFailureAlertsOptions extends FailureAlertOptions {
  bus: Bus;
  intervalMs?: number;
}

/** Subscribes to run completions on the bus and delivers alerts; started by every server node. */
export function startFailureAlerts(options: StartFailureAlertsOptions): FailureAlerts {
  const { db, logger } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS;
  let pending = new Set<string>();
  let stopped = false;
  let work: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let lastRound: DeliveryRound = { sent: 0, runs: 0, failed: 0 };

  // Queuing and delivery run one after another on this node (a chain), so a burst of events
  // becomes a few batched inserts followed by one round, never a thousand concurrent queries.
  const enqueue = (task: () => Promise<unknown>) => {
    work = work.then(task).catch((error: unknown) => {
      logger.error({ err: error }, 'failure alerts: round failed');
    });
    return work;
  };
  const queuePending = async () => {
    while (pending.size > 0) {
      const batch = [...pending].slice(0, 500);
      for (const id of batch) pending.delete(id);
      try {
        await queueFailureAlerts(db, batch);
      } catch (error) {
        // The database is away: keep the runs for the next round rather than lose their alerts.
        for (const id of batch) pending.add(id);
        throw error;
      }
    }
  };
  const round = async () => {
    await queuePending();
    lastRound = await deliverFailureAlerts(options);
    if (lastRound.sent > 0) {
      logger.info({ emails: lastRound.sent, runs: lastRound.runs }, 'failure alerts sent');
    }
  };
  let roundScheduled = false;
  const scheduleRound = () => {
    if (roundScheduled || stopped) return;
    roundScheduled = true;
    enqueue(async () => {
      roundScheduled = false;
      await round();
    });
  };

  const unsubscribe = options.bus.subscribe((event: BusEvent) => {
    if (event.type !== 'run_updated' || !ALERTING.has(event.state)) return;
    pending.add(event.runId);
    scheduleRound();
  });
  const tick = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      scheduleRound();
      tick();
    }, intervalMs);
    timer.unref();
  };
  tick();

  return {
    flush: async () => {
      await enqueue(round);
      return lastRound;
    },
    stop: async () => {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await work;
      pending = new Set();
    },
  };
}
