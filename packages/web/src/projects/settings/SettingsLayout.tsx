// Being built (F1).
import { EmptyState } from '../../components/States';

export function SettingsLayout() {
  return <EmptyState title="Coming soon." />;
}
