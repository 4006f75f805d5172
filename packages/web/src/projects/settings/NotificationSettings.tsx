// Being built (F1).
import { EmptyState } from '../../components/States';

export function NotificationSettings() {
  return <EmptyState title="Coming soon." />;
}
