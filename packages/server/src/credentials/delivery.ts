// `fetch:credential`: a worker executing a run asks for a credential's decrypted body. The run
// channel was joined with a valid run token; the runs context checks that the run's snapshot uses
// the credential and that the run is still executing. Every delivery is written to the audit trail
// (run, credential, time) — never the body. An OAuth credential about to expire is refreshed first
// (oauth-refresh.ts); one that cannot be is refused with a message naming it.
import { sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, queryRows } from '../db/index.js';
import { eventError, fetchRunCredential } from '../runs/index.js';
import type { Vault } from '../vault/index.js';
import type { OAuthCredentialDependencies } from './oauth-credentials.js';
import { freshCredentialBody, OAuthCredentialError } from './oauth-refresh.js';

export async function deliverRunCredential(
  db: Database,
  vault: Vault,
  runId: string,
  credentialId: string,
  oauth?: Omit<OAuthCredentialDependencies, 'db' | 'vault'>,
): Promise<Record<string, unknown>> {
  const saved = await fetchRunCredential(db, vault, runId, credentialId);
  const [run] = await queryRows<{ project_id: string; oauth_provider: string | null }>(
    db,
    sql`SELECT w.project_id::text AS project_id,
               (SELECT oauth_provider FROM credentials WHERE id = ${credentialId}) AS oauth_provider
        FROM runs r JOIN work_orders wo ON wo.id = r.work_order_id
        JOIN workflows w ON w.id = wo.workflow_id
        WHERE r.id = ${runId}`,
  );
  let body = saved;
  if (run?.oauth_provider) {
    if (!oauth) throw eventError('id', 'OAuth credentials cannot be refreshed here');
    try {
      body = await freshCredentialBody(
        { db, vault, ...oauth },
        credentialId,
        saved,
        run.oauth_provider,
      );
    } catch (error) {
      if (error instanceof OAuthCredentialError) throw eventError('id', error.message);
      throw error;
    }
  }
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
