// Writes one entry of the audit trail: who did what to which item, and when. Other contexts call
// it inside their own transaction (pass the `tx`), so an entry exists exactly when its change does.
//
// The trail must never hold a secret. `changes` is meant for names, roles, flags and ids; a value
// under a secret-looking key (password, token, secret, body, API key, private key, backup codes,
// TOTP) is replaced by "[FILTERED]" at any depth before it is written, so a careless caller still
// cannot leak a credential body or a token into the trail.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { timeOrderedId } from '../db/time-ordered-id.js';

/**
 * Who acted: a signed-in user (through the app or a token), the system itself (CLI, jobs), or a
 * project's repository connection (a deploy from GitHub; `actorId` is the connection's id).
 */
export type AuditActorType = 'user' | 'system' | 'repo_connection';

export interface AuditEventInput {
  /** What happened, past tense, snake_case: `created`, `revoked`, `member_added`, `login`… */
  event: string;
  /** The kind of item changed: `credential`, `project`, `user`, `api_token`… */
  itemType: string;
  itemId: string;
  actorId?: string | null;
  /** Defaults to `user` when an actor id is given, else `system`. */
  actorType?: AuditActorType;
  /** The project the event concerns, so its admins see it in the project's trail. */
  projectId?: string | null;
  /** What changed (e.g. `{before: {role: 'viewer'}, after: {role: 'editor'}}`); never secrets. */
  changes?: Record<string, unknown>;
}

export const FILTERED = '[FILTERED]';

const SECRET_KEY_ENDINGS = [
  'password',
  'token',
  'secret',
  'body',
  'apikey',
  'privatekey',
  'backupcode',
  'backupcodes',
  'totp',
  'otp',
];

/** `hashed_password`, `access-token`, `apiKey` … → true; `token_id`, `name` → false. */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z]/g, '');
  return SECRET_KEY_ENDINGS.some((ending) => normalized.endsWith(ending));
}

/** A copy of `value` with every secret-looking key's value replaced by "[FILTERED]". */
export function filterSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(filterSecrets);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        isSecretKey(key) ? FILTERED : filterSecrets(inner),
      ]),
    );
  }
  return value;
}

/**
 * Records an audit event. Pass a transaction to make the entry part of the change it describes:
 *
 * ```ts
 * await db.transaction(async (tx) => {
 *   await tx.insert(schema.projectUsers).values(member);
 *   await recordAuditEvent(tx, { event: 'member_added', itemType: 'project', itemId: projectId,
 *     projectId, actorId: actor.user.id, changes: { user_id: member.userId, role: member.role } });
 * });
 * ```
 */
export async function recordAuditEvent(db: Database, input: AuditEventInput): Promise<string> {
  const actorId = input.actorId ?? null;
  const [row] = await db
    .insert(schema.auditEvents)
    .values({
      id: timeOrderedId(),
      event: input.event,
      itemType: input.itemType,
      itemId: input.itemId,
      actorId,
      actorType: input.actorType ?? (actorId ? 'user' : 'system'),
      projectId: input.projectId ?? null,
      changes: filterSecrets(input.changes ?? {}) as Record<string, unknown>,
      // The moment of the call, not of the transaction's start: several events of one transaction
      // keep their order in the newest-first listing.
      insertedAt: sql`clock_timestamp()`,
    })
    .returning({ id: schema.auditEvents.id });
  return row!.id;
}
