// `run:log` and `run:batch_logs`: log lines of a run, optionally of one of its steps.
import type { LogLine } from '@lightning/protocol';
import { sql } from 'drizzle-orm';
import { type Database, queryRows, schema } from '../db/index.js';
import { eventError } from './errors.js';
import { lockRun, touchRun } from './run-state.js';
import { microsToIso } from './timestamps.js';

/**
 * Stores lines in one INSERT. Every line's step must be a step of this run; otherwise nothing of
 * the batch is stored.
 */
export async function appendLogs(
  db: Database,
  runId: string,
  lines: readonly LogLine[],
): Promise<{ count: number }> {
  if (lines.length === 0) return { count: 0 };
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Database;
    const run = await lockRun(tx, runId, 'share');
    const stepIds = [...new Set(lines.flatMap((line) => (line.step_id ? [line.step_id] : [])))];
    if (stepIds.length > 0) {
      const known = await queryRows<{ step_id: string }>(
        tx,
        sql`SELECT step_id::text AS step_id FROM run_steps
            WHERE run_id = ${run.id}
              AND step_id IN (${sql.join(
                stepIds.map((id) => sql`${id}::uuid`),
                sql`, `,
              )})`,
      );
      const found = new Set(known.map((row) => row.step_id));
      const unknown = stepIds.filter((id) => !found.has(id));
      if (unknown.length > 0) {
        throw eventError('step_id', `is not a step of this run: ${unknown.join(', ')}`);
      }
    }
    await touchRun(tx, run);
    await tx.insert(schema.logLines).values(
      lines.map((line) => ({
        runId: run.id,
        stepId: line.step_id ?? null,
        source: line.source ?? null,
        level: line.level ?? 'info',
        message: formatMessage(line.message),
        timestamp: microsToIso(line.timestamp),
      })),
    );
    return { count: lines.length };
  });
}

// Control characters other than tab and newline garble terminals and NUL cannot be stored in
// PostgreSQL text at all; Lightning strips them too.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** A line's message parts joined with spaces, objects as JSON, as Lightning stores them. */
export function formatMessage(message: string | readonly unknown[]): string {
  const text =
    typeof message === 'string'
      ? message
      : message
          .map((part) => {
            if (typeof part === 'string') return part;
            if (part === undefined) return 'undefined';
            try {
              return JSON.stringify(part) ?? String(part);
            } catch {
              return String(part);
            }
          })
          .join(' ');
  return text.replace(CONTROL_CHARACTERS, '');
}
