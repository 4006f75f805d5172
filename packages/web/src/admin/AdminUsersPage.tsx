// Being built (F1).
import { EmptyState } from '../components/States';

export function AdminUsersPage() {
  return <EmptyState title="Coming soon." />;
}
