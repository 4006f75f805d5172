import { AuditTrail } from '../components/AuditTrail';

/** Every audit entry of the instance (superusers). */
export function AdminAuditPage() {
  return (
    <section className="card" aria-labelledby="admin-audit-heading">
      <h2 id="admin-audit-heading">Audit trail</h2>
      <AuditTrail path="/api/admin/audit_events" />
    </section>
  );
}
