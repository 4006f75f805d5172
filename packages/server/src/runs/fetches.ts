// What a worker fetches for a run besides its plan: the input dataclip and credentials.
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import type { Vault } from '../vault/index.js';
import { eventError } from './errors.js';
import { isUuid } from './run-state.js';

/**
 * The run's input as the JSON text sent in the binary reply to `fetch:dataclip`: for
 * `http_request` and `kafka` dataclips `{"data": body, "request": request}`, otherwise the body
 * (Lightning answers with the run's own input whatever id the worker names). PostgreSQL renders
 * the text, so a 10 MB body is never parsed into JS objects on the way out. `null` when the
 * dataclip is missing or wiped.
 */
export async function fetchRunDataclip(db: Database, runId: string): Promise<string | null> {
  if (!isUuid(runId)) return null;
  const [row] = await queryRows<{ text: string | null }>(
    db,
    sql`SELECT CASE WHEN d.type IN ('http_request', 'kafka')
                    THEN jsonb_build_object('data', d.body, 'request', d.request)::text
                    ELSE d.body::text
               END AS text
        FROM runs r JOIN dataclips d ON d.id = r.dataclip_id
        WHERE r.id = ${runId}`,
  );
  return row?.text ?? null;
}

/** Lightning's message when a credential is not one of the run's jobs'. */
export const CREDENTIAL_NOT_FOUND = 'Credential not found!';

/**
 * The decrypted body of a credential, only if a job of the run's snapshot uses it (through its
 * project credential) and the run is still claimed or started. Anything else — another project's credential, a made-up id — gets the same
 * answer as a missing one, so a run token cannot be used to probe for credentials.
 */
export async function fetchRunCredential(
  db: Database,
  vault: Vault,
  runId: string,
  credentialId: string,
): Promise<Record<string, unknown>> {
  if (!isUuid(runId) || !isUuid(credentialId)) throw eventError('id', CREDENTIAL_NOT_FOUND);
  const [row] = await queryRows<{ body: Uint8Array | string }>(
    db,
    sql`SELECT c.body
        FROM runs r
        JOIN workflow_snapshots s ON s.id = r.snapshot_id
        JOIN project_credentials pc
          ON pc.id::text IN (SELECT j->>'project_credential_id' FROM jsonb_array_elements(s.jobs) AS j)
        JOIN credentials c ON c.id = pc.credential_id
        WHERE r.id = ${runId} AND c.id = ${credentialId}
          -- Only while the run executes: a finished run's token gets nothing more.
          AND r.state IN ('claimed', 'started')
        LIMIT 1`,
  );
  if (!row) throw eventError('id', CREDENTIAL_NOT_FOUND);
  return vault.decryptJson<Record<string, unknown>>(toBytes(row.body));
}

/** bytea arrives as a Buffer from pg, a Uint8Array from PGlite. */
function toBytes(value: Uint8Array | string): Uint8Array {
  if (typeof value === 'string') {
    return Buffer.from(value.startsWith('\\x') ? value.slice(2) : value, 'hex');
  }
  return value;
}
