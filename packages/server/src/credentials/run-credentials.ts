// The credentials a run may use: those of its snapshot's jobs (through their project credentials).
// Delivery to the worker (`fetch:credential`) and the run's scrubber both start from this set.
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/index.js';
import type { Vault } from '../vault/index.js';
import type { CredentialSchemas } from './schemas.js';
import { createScrubber, type Scrubber } from './scrubber.js';
import { sensitiveValues } from './sensitive.js';

interface RunCredentialRow extends Record<string, unknown> {
  id: string;
  schema: string;
  body: Uint8Array | string;
}

/** Every credential a job of the run's snapshot points at, with its ciphertext. */
async function runCredentialRows(db: Database, runId: string): Promise<RunCredentialRow[]> {
  return queryRows<RunCredentialRow>(
    db,
    sql`SELECT DISTINCT c.id::text AS id, c.schema, c.body
        FROM runs r
        JOIN workflow_snapshots s ON s.id = r.snapshot_id
        CROSS JOIN LATERAL jsonb_array_elements(s.jobs) AS j
        JOIN project_credentials pc ON pc.id::text = j->>'project_credential_id'
        JOIN credentials c ON c.id = pc.credential_id
        WHERE r.id = ${runId}`,
  );
}

const USERNAME_KEYS = ['username', 'user', 'email', 'login', 'clientId', 'client_id'];

/**
 * The scrubber of one run: every sensitive value of every credential the run may fetch (a superset
 * of what it does fetch, so a value is scrubbed even from lines sent before its fetch).
 */
export async function loadRunScrubber(
  db: Database,
  vault: Vault,
  schemas: CredentialSchemas,
  runId: string,
): Promise<Scrubber> {
  const values: (string | number)[] = [];
  const pairs: { username: string; password: string }[] = [];
  for (const row of await runCredentialRows(db, runId)) {
    const body = vault.decryptJson<Record<string, unknown>>(toBytes(row.body));
    const found = sensitiveValues(body, schemas.sensitivity(row.schema));
    values.push(...found.map((item) => item.value));
    // HTTP Basic: `Authorization: Basic base64(user:password)`.
    const username = USERNAME_KEYS.map((key) => body[key]).find((v) => typeof v === 'string');
    for (const item of found) {
      if (
        item.path.length === 1 &&
        typeof item.value === 'string' &&
        typeof username === 'string'
      ) {
        pairs.push({ username, password: item.value });
      }
    }
  }
  return createScrubber({ values, pairs });
}

/** bytea arrives as a Buffer from pg, a Uint8Array from PGlite (or hex text through raw SQL). */
export function toBytes(value: Uint8Array | string): Uint8Array {
  if (typeof value === 'string') {
    return Buffer.from(value.startsWith('\\x') ? value.slice(2) : value, 'hex');
  }
  return value;
}
