// Usage tracking (USAGE_TRACKING_ENABLED, on by default as in Lightning): once a day per missing
// day, a report of counts (usage-report.ts) is stored and POSTed as JSON to
// `USAGE_TRACKER_HOST/api/metrics`; a failed submission stays stored and is retried.
//
// Two passes, each safe to run on every node at once:
//   - the day pass (hourly) generates the reports of the days since `start_reporting_after` up to
//     yesterday that have none yet, at most USAGE_TRACKING_DAILY_BATCH_SIZE per pass (a backlog
//     after a long outage is worked off over several passes), under an advisory lock so one node
//     generates them;
//   - the submission pass (every minute, and right after a day pass) leases at most
//     USAGE_TRACKING_RESUBMISSION_BATCH_SIZE unsubmitted reports, oldest first (SKIP LOCKED plus a
//     lease column, so no transaction stays open across the HTTP call), and POSTs each. A 2xx marks
//     it submitted; anything else leaves it for the next pass.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { startRepeatingTask } from '../cluster/repeating-task.js';
import { type Database, queryRows } from '../db/index.js';
import { RELEASE } from './error-reporter.js';
import { generateUsageReport } from './usage-report.js';

export interface UsageTrackingOptions {
  db: Database;
  logger: Logger;
  /** USAGE_TRACKER_HOST, e.g. `https://impact.openfn.org`. */
  host: string;
  dailyBatchSize: number;
  resubmissionBatchSize: number;
  runChunkSize: number;
  uuids: 'hashed_only' | 'cleartext';
  /** The clock; default now. */
  now?: () => Date;
  /** A submission's time limit; default 30 s. */
  timeoutMs?: number;
}

const DAY_PASS_LOCK_ID = 7_420_317;
const LEASE_SECONDS = 120;
const VERSION = RELEASE.replace(/^lightning@/, '');

const utcDate = (date: Date) => date.toISOString().slice(0, 10);
const addDays = (day: string, days: number) =>
  utcDate(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));

/** The instance's row, created on first use with today as the day after which reports start. */
export async function ensureUsageConfiguration(
  db: Database,
  now: Date,
): Promise<{ instanceId: string; startReportingAfter: string; created: boolean }> {
  const inserted = await queryRows<{ instance_id: string; start_reporting_after: string }>(
    db,
    sql`INSERT INTO usage_tracking_configuration (id, instance_id, start_reporting_after)
        VALUES (1, ${randomUUID()}, ${utcDate(now)})
        ON CONFLICT (id) DO NOTHING
        RETURNING instance_id, start_reporting_after`,
  );
  const row =
    inserted[0] ??
    (
      await queryRows<{ instance_id: string; start_reporting_after: string }>(
        db,
        sql`SELECT instance_id, start_reporting_after FROM usage_tracking_configuration`,
      )
    )[0]!;
  return {
    instanceId: row.instance_id,
    startReportingAfter: row.start_reporting_after,
    created: inserted.length > 0,
  };
}

/** Generates the missing reports (oldest first, at most the batch size); returns their dates. */
export async function generateMissingReports(options: UsageTrackingOptions): Promise<string[]> {
  const now = options.now?.() ?? new Date();
  const { instanceId, startReportingAfter } = await ensureUsageConfiguration(options.db, now);
  const yesterday = addDays(utcDate(now), -1);
  return options.db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const [lock] = await queryRows<{ locked: boolean }>(
      tx,
      sql`SELECT pg_try_advisory_xact_lock(${DAY_PASS_LOCK_ID}) AS locked`,
    );
    if (!lock?.locked) return [];
    const existing = new Set(
      (
        await queryRows<{ report_date: string }>(
          tx,
          sql`SELECT report_date FROM usage_tracking_reports
              WHERE report_date > ${startReportingAfter}`,
        )
      ).map((row) => row.report_date),
    );
    const missing: string[] = [];
    for (
      let day = addDays(startReportingAfter, 1);
      day <= yesterday && missing.length < options.dailyBatchSize;
      day = addDays(day, 1)
    ) {
      if (!existing.has(day)) missing.push(day);
    }
    for (const day of missing) {
      const report = await generateUsageReport(tx, day, {
        uuids: options.uuids,
        runChunkSize: options.runChunkSize,
        instanceId,
        version: VERSION,
        now,
      });
      await tx.execute(sql`
        INSERT INTO usage_tracking_reports (report_date, data)
        VALUES (${day}, ${JSON.stringify(report)}::jsonb)
        ON CONFLICT (report_date) DO NOTHING`);
    }
    return missing;
  });
}

export interface SubmissionPass {
  submitted: string[];
  failed: string[];
}

/** Leases and submits the oldest unsubmitted reports (at most the resubmission batch size). */
export async function submitPendingReports(options: UsageTrackingOptions): Promise<SubmissionPass> {
  const leased = await queryRows<{ report_date: string; data: unknown }>(
    options.db,
    sql`UPDATE usage_tracking_reports
        SET lease_until = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = attempts + 1
        WHERE report_date IN (
          SELECT report_date FROM usage_tracking_reports
          WHERE NOT submitted AND (lease_until IS NULL OR lease_until < now())
          ORDER BY report_date
          LIMIT ${options.resubmissionBatchSize}
          FOR UPDATE SKIP LOCKED)
        RETURNING report_date, data`,
  );
  leased.sort((a, b) => a.report_date.localeCompare(b.report_date));
  const pass: SubmissionPass = { submitted: [], failed: [] };
  const url = new URL('/api/metrics', options.host).toString();
  for (const report of leased) {
    let problem: string | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report.data),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) problem = `HTTP ${response.status}`;
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem === undefined) {
      await options.db.execute(sql`
        UPDATE usage_tracking_reports
        SET submitted = true, submitted_at = now(), lease_until = NULL
        WHERE report_date = ${report.report_date}`);
      pass.submitted.push(report.report_date);
    } else {
      await options.db.execute(sql`
        UPDATE usage_tracking_reports SET lease_until = NULL
        WHERE report_date = ${report.report_date}`);
      options.logger.warn(
        { reportDate: report.report_date, problem },
        'usage tracking: report not accepted; it is retried later',
      );
      pass.failed.push(report.report_date);
    }
  }
  return pass;
}

/** Starts both passes on this node; logs once, at start, what is sent and how to stop it. */
export function startUsageTracking(options: UsageTrackingOptions) {
  options.logger.info(
    `Usage tracking is on: once a day this instance sends ${new URL('/api/metrics', options.host)} ` +
      'a report of counts (users, active users, projects, workflows, jobs, runs, steps) with ' +
      `${options.uuids === 'cleartext' ? 'the' : 'SHA-256 hashes of the'} instance's, projects' ` +
      "and workflows' ids, the operating system and Lightning's version; no names, code or data. " +
      'Set USAGE_TRACKING_ENABLED=false to turn it off.',
  );
  const guard = (name: string, pass: () => Promise<unknown>) => async () => {
    try {
      await pass();
    } catch (error) {
      options.logger.warn({ err: error }, `usage tracking: ${name} pass failed`);
    }
  };
  const dayPass = startRepeatingTask({
    round: guard('day', async () => {
      await generateMissingReports(options);
      await submitPendingReports(options);
    }),
    intervalMs: 60 * 60_000,
    initialDelayMs: 60_000,
  });
  const resubmission = startRepeatingTask({
    round: guard('resubmission', () => submitPendingReports(options)),
    intervalMs: 60_000,
  });
  return {
    stop: async () => {
      await dayPass.stop();
      await resubmission.stop();
    },
  };
}
