// Being built (F1).
import { EmptyState } from '../../components/States';

export function GeneralSettings() {
  return <EmptyState title="Coming soon." />;
}
