// Being built (F1).
import { EmptyState } from '../../components/States';

export function CredentialsSettings() {
  return <EmptyState title="Coming soon." />;
}
