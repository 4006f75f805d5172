// `fetch:credential`: a worker executing a run asks for a credential's decrypted body. The run
// channel was joined with a valid run token; the runs context checks that the run's snapshot uses
// the credential and that the run is still executing. Every delivery is written to the audit trail
// (run, credential, time) — never the body.
import { sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, queryRows } from '../db/index.js';
import { fetchRunCredential } from '../runs/index.js';
import type { Vault } from '../vault/index.js';

export async function deliverRunCredential(
  db: Database,
  vault: Vault,
  runId: string,
  credentialId: string,
): Promise<Record<string, unknown>> {
  const body = await fetchRunCredential(db, vault, runId, credentialId);
  const [run] = await queryRows<{ project_id: string }>(
    db,
    sql`SELECT w.project_id::text AS project_id
        FROM runs r JOIN work_orders wo ON wo.id = r.work_order_id
        JOIN workflows w ON w.id = wo.workflow_id
        WHERE r.id = ${runId}`,
  );
  await recordAuditEvent(db, {
    event: 'delivered',
    itemType: 'credential',
    itemId: credentialId,
    actorType: 'system',
    projectId: run?.project_id ?? null,
    changes: { run_id: runId },
  });
  return body;
}
