// Being built (F1).
import { EmptyState } from '../components/States';

export function AccountPage() {
  return <EmptyState title="Coming soon." />;
}
