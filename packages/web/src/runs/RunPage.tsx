// Placeholder until F2's screen lands (owned by F2).
import { PageHeader } from '../components/Layout';
import { EmptyState } from '../components/States';

export function RunPage() {
  return (
    <>
      <PageHeader title="Run" />
      <EmptyState title="Coming soon." />
    </>
  );
}
