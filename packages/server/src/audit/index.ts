// Audit trail: who changed credentials, memberships, tokens and users, and who signed in.
// `recordAuditEvent` is called by the other contexts (inside their transactions); the routes let
// project admins read their project's trail and superusers the whole instance's.

export {
  type AuditEvent,
  type AuditPage,
  auditEventJson,
  type ListAuditEventsOptions,
  listAuditEvents,
  MAX_AUDIT_PAGE_SIZE,
} from './list.js';
export {
  type AuditActorType,
  type AuditEventInput,
  FILTERED,
  filterSecrets,
  isSecretKey,
  recordAuditEvent,
} from './record.js';
export { registerAuditRoutes } from './routes.js';
