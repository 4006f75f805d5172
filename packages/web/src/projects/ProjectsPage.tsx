// Being built (F1).
import { EmptyState } from '../components/States';

export function ProjectsPage() {
  return <EmptyState title="Coming soon." />;
}
