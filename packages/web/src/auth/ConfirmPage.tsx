// Being built (F1).
import { EmptyState } from '../components/States';

export function ConfirmAccountPage() {
  return <EmptyState title="Coming soon." />;
}

export function ConfirmEmailChangePage() {
  return <EmptyState title="Coming soon." />;
}
