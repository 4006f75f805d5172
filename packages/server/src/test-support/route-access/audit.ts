// Route access of the audit trail (audit/routes.ts): a project's trail for its admins, the whole
// instance's for superusers.
import type { RouteAccessFile } from './types.js';

const audit: RouteAccessFile = {
  rows: [
    {
      method: 'GET',
      url: '/api/projects/:project_id/audit_events',
      access: { project: 'project:update' },
    },
    { method: 'GET', url: '/api/admin/audit_events', access: 'superuser' },
  ],
};
export default audit;
