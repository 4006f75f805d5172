// Being built (F1).
import { EmptyState } from '../../components/States';

export function MembersSettings() {
  return <EmptyState title="Coming soon." />;
}
