// Being built (F1).
import { EmptyState } from '../components/States';

export function MailboxPage() {
  return <EmptyState title="Coming soon." />;
}

export function MailPage() {
  return <EmptyState title="Coming soon." />;
}
