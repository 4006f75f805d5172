// The audit trail (who changed what, newest first), paged by cursor with "Show older". Used for a
// project's settings (admins) and for the whole instance (superusers).
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { Button } from './Button';
import { EmptyState, ErrorState, Loading } from './States';

export interface AuditEvent {
  id: string;
  event: string;
  item_type: string;
  item_id: string | null;
  actor_id: string | null;
  actor_type?: string;
  actor_email: string | null;
  project_id?: string | null;
  changes: unknown;
  inserted_at: string;
}

interface Page {
  data: AuditEvent[];
  meta?: { next_cursor: string | null };
}

function describeChanges(changes: unknown): string {
  if (changes === null || changes === undefined) return '';
  if (typeof changes !== 'object') return String(changes);
  const text = JSON.stringify(changes);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export function AuditTrail({ path }: { path: string }) {
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const query = new URLSearchParams({ page_size: '50' });
        if (after) query.set('cursor', after);
        const page = await api<Page>(`${path}?${query}`);
        setEvents((previous) => (after ? [...previous, ...page.data] : page.data));
        setCursor(page.meta?.next_cursor ?? null);
      } catch (reason) {
        setError(reason);
      } finally {
        setLoading(false);
      }
    },
    [path],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  if (error && events.length === 0) return <ErrorState error={error} onRetry={() => load(null)} />;
  if (loading && events.length === 0) return <Loading label="Loading the audit trail…" />;
  if (events.length === 0) return <EmptyState title="Nothing has been recorded yet." />;
  return (
    <>
      <table className="table" aria-label="Audit trail">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td>{new Date(event.inserted_at).toLocaleString()}</td>
              <td>
                {event.actor_email ??
                  (event.actor_type === 'system' ? 'command line' : 'a deleted account')}
              </td>
              <td>
                {event.event.replaceAll('_', ' ')}{' '}
                <span className="muted">({event.item_type})</span>
              </td>
              <td className="mono muted">{describeChanges(event.changes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {error ? <ErrorState error={error} /> : null}
      {cursor && (
        <p>
          <Button busy={loading} onClick={() => load(cursor)}>
            Show older
          </Button>
        </p>
      )}
    </>
  );
}
