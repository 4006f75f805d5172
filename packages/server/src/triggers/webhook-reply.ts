// Webhook reply mode `after_completion`: the request waits for its run to finish (at most 30 s)
// and is answered with the run's outcome, as Lightning does:
//   - a job set `state.webhookResponse = {status?, body?}` (the last step's state counts):
//     that status (default 201 on success, 500 otherwise) and body;
//   - otherwise success → 201 `{data: <final state>, meta: {...}}`; any other final state → 500
//     with a message and `meta` only (the state is withheld: it may hold data not meant for the
//     caller);
//   - not finished in time → 504 `{"error":"timeout", …, "work_order_id"}`.
//
// The bus's run_updated event wakes the wait; since bus events are hints that can be missed, the
// run is also looked at in the database every second.
//
// The outcome is read from the runs context's tables in one statement (final state = the output of
// the run's last finished step); it belongs behind a runs function once that context offers one.
import { sql } from 'drizzle-orm';
import type { Bus } from '../cluster/index.js';
import { type Database, queryRows, schema } from '../db/index.js';

const FINAL_STATES = new Set<string>(schema.FINAL_RUN_STATES);
const POLL_MS = 1_000;

export interface RunOutcome {
  state: string;
  workOrderId: string;
  errorType: string | null;
  finalState: unknown;
  insertedAt: string | null;
  claimedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The run's outcome when it has reached a final state, else undefined. */
export async function readRunOutcome(db: Database, runId: string): Promise<RunOutcome | undefined> {
  const [row] = await queryRows<{
    state: string;
    work_order_id: string;
    error_type: string | null;
    final_state: unknown;
    inserted_at: string | null;
    claimed_at: string | null;
    started_at: string | null;
    finished_at: string | null;
  }>(
    db,
    sql`SELECT r.state, r.work_order_id, r.error_type, r.inserted_at, r.claimed_at, r.started_at,
          r.finished_at,
          (SELECT d.body FROM run_steps rs
             JOIN steps s ON s.id = rs.step_id
             JOIN dataclips d ON d.id = s.output_dataclip_id
           WHERE rs.run_id = r.id
           ORDER BY s.finished_at DESC NULLS LAST LIMIT 1) AS final_state
        FROM runs r WHERE r.id = ${runId}`,
  );
  if (!row || !FINAL_STATES.has(row.state)) return undefined;
  return {
    state: row.state,
    workOrderId: row.work_order_id,
    errorType: row.error_type,
    finalState: row.final_state,
    insertedAt: row.inserted_at,
    claimedAt: row.claimed_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Listens on the bus from before the run exists (so its completion cannot be missed), then waits
 * for one run. Call `wait` once, after the work order is stored.
 */
export function watchRunCompletion(bus: Bus, db: Database) {
  const finished = new Set<string>();
  let notify: ((runId: string) => void) | undefined;
  const unsubscribe = bus.subscribe((event) => {
    if (event.type !== 'run_updated' || !FINAL_STATES.has(event.state)) return;
    finished.add(event.runId);
    notify?.(event.runId);
  });
  return {
    /** The outcome, or undefined when `timeoutMs` passed first. */
    async wait(runId: string, timeoutMs: number): Promise<RunOutcome | undefined> {
      const deadline = Date.now() + timeoutMs;
      try {
        for (;;) {
          const outcome = await readRunOutcome(db, runId);
          if (outcome) return outcome;
          const remaining = deadline - Date.now();
          if (remaining <= 0) return undefined;
          if (!finished.has(runId)) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.min(POLL_MS, remaining));
              notify = (id) => {
                if (id !== runId) return;
                clearTimeout(timer);
                resolve();
              };
            });
            notify = undefined;
          }
        }
      } finally {
        unsubscribe();
      }
    },
    close: unsubscribe,
  };
}

export interface WebhookReply {
  status: number;
  body: unknown;
}

/** What the webhook answers for a finished run. */
export function replyForOutcome(outcome: RunOutcome, runId: string): WebhookReply {
  const success = outcome.state === 'success';
  const meta = {
    work_order_id: outcome.workOrderId,
    run_id: runId,
    state: outcome.state,
    error_type: outcome.errorType,
    inserted_at: outcome.insertedAt,
    claimed_at: outcome.claimedAt,
    started_at: outcome.startedAt,
    finished_at: outcome.finishedAt,
  };
  const custom = customResponse(outcome.finalState);
  if (custom) {
    const status = custom.status ?? (success ? 201 : 500);
    return { status, body: status === 204 || status === 304 ? undefined : (custom.body ?? {}) };
  }
  if (success) return { status: 201, body: { data: outcome.finalState ?? null, meta } };
  return {
    status: 500,
    body: {
      error: 'run_failed',
      message: `The workflow run finished as "${outcome.state}"; its state is withheld for security.`,
      meta,
    },
  };
}

/** `state.webhookResponse`, when it is well formed: an integer status and/or a JSON object body. */
function customResponse(finalState: unknown): { status?: number; body?: unknown } | undefined {
  if (!finalState || typeof finalState !== 'object') return undefined;
  const response = (finalState as { webhookResponse?: unknown }).webhookResponse;
  if (response === undefined || response === null) return undefined;
  const malformed = {
    status: 500,
    body: {
      error: 'malformed_webhook_response',
      message:
        'state.webhookResponse must be {status?: integer 100–599, body?: JSON object}; the job set something else',
    },
  };
  if (typeof response !== 'object' || Array.isArray(response)) return malformed;
  const { status, body } = response as { status?: unknown; body?: unknown };
  if (
    status !== undefined &&
    (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
  ) {
    return malformed;
  }
  if (body !== undefined && (typeof body !== 'object' || body === null)) return malformed;
  return { status: status as number | undefined, body };
}
