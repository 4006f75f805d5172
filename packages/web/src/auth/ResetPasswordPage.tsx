// Being built (F1).
import { EmptyState } from '../components/States';

export function RequestResetPage() {
  return <EmptyState title="Coming soon." />;
}

export function ResetPasswordPage() {
  return <EmptyState title="Coming soon." />;
}
