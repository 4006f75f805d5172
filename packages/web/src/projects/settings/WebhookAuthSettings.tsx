// Being built (F1).
import { EmptyState } from '../../components/States';

export function WebhookAuthSettings() {
  return <EmptyState title="Coming soon." />;
}
