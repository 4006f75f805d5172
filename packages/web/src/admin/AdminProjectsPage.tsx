// Being built (F1).
import { EmptyState } from '../components/States';

export function AdminProjectsPage() {
  return <EmptyState title="Coming soon." />;
}
