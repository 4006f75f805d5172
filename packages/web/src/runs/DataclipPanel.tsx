// One dataclip (a run's input, a step's input or output), loaded when chosen and shown in the
// paged JSON viewer.
import { useApi } from '../components/hooks';
import { EmptyState, ErrorState, Loading } from '../components/States';
import { JsonViewer } from './JsonViewer';
import { type Dataclip, formatTime } from './types';

export function DataclipPanel({ dataclipId, title }: { dataclipId: string; title: string }) {
  const { data, error, loading, reload } = useApi<Dataclip>(`/api/dataclips/${dataclipId}`);
  return (
    <section className="dataclip-panel" aria-label={title}>
      <h3>{title}</h3>
      {loading && !data ? (
        <Loading label="Loading data…" />
      ) : error || !data ? (
        <ErrorState error={error} onRetry={reload} />
      ) : data.wiped ? (
        <EmptyState title="This data was wiped">
          <p>
            It was removed on {formatTime(data.wiped_at)} (the project's data retention, or the
            workflow does not keep data).
          </p>
        </EmptyState>
      ) : (
        <>
          <p className="muted">
            {data.type} · {formatTime(data.inserted_at)}
          </p>
          <JsonViewer value={data.body} label={`${title} (JSON)`} />
        </>
      )}
    </section>
  );
}
