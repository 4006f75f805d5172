// Being built (F1).
import { EmptyState } from '../../components/States';

export function DataSettings() {
  return <EmptyState title="Coming soon." />;
}
