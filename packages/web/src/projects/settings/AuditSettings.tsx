import { AuditTrail } from '../../components/AuditTrail';
import { Notice } from '../../components/States';
import { useCurrentProject } from '../current';
import { useCanAdminister } from './SettingsLayout';

/** The project's audit trail (admins and owners). */
export function AuditSettings() {
  const { project } = useCurrentProject();
  const canRead = useCanAdminister();
  return (
    <section className="card" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      {canRead ? (
        <AuditTrail path={`/api/projects/${project.id}/audit_events`} />
      ) : (
        <Notice kind="info">Only project admins can read the audit trail.</Notice>
      )}
    </section>
  );
}
