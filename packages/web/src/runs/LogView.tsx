// A run's log: level filter, lines as they stream, kept to the last few thousand so a chatty run
// never slows the tab. Used by the run inspector and the editor's run panel.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunStream } from '../live/hooks';
import type { LogLine } from '../live/socket';

const LEVELS = ['debug', 'info', 'warn', 'error', 'success', 'always'] as const;

export function LogView({
  stream,
  steps,
  label = 'Log',
}: {
  stream: RunStream;
  /** Step id → job name, to say which job a line came from. */
  steps?: Map<string, string>;
  label?: string;
}) {
  const [hidden, setHidden] = useState<Set<string>>(() => new Set(['debug']));
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const lines = useMemo(
    () => stream.lines.filter((line) => !hidden.has(line.level)),
    [stream.lines, hidden],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when lines arrive
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length, follow]);

  return (
    <section className="log-view" aria-label={label}>
      <div className="log-toolbar">
        <fieldset className="log-levels">
          <legend>Levels</legend>
          {LEVELS.map((level) => (
            <label key={level}>
              <input
                type="checkbox"
                checked={!hidden.has(level)}
                onChange={(event) =>
                  setHidden((current) => {
                    const next = new Set(current);
                    if (event.target.checked) next.delete(level);
                    else next.add(level);
                    return next;
                  })
                }
              />
              {level}
            </label>
          ))}
        </fieldset>
        <label className="log-follow">
          <input
            type="checkbox"
            checked={follow}
            onChange={(event) => setFollow(event.target.checked)}
          />
          Follow
        </label>
        <span className="log-status" role="status">
          {stream.error
            ? stream.error
            : stream.connected
              ? `${stream.lines.length} line${stream.lines.length === 1 ? '' : 's'} · live`
              : 'Connecting…'}
        </span>
      </div>
      <div
        className="log-lines"
        ref={box}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; keyboard users need to reach it
        tabIndex={0}
        role="log"
        aria-live="off"
        aria-label={`${label} lines`}
        data-testid="log-lines"
      >
        {stream.dropped > 0 && (
          <p className="log-dropped">
            {stream.dropped} earlier lines are not shown here (the full log is kept on the server).
          </p>
        )}
        {lines.length === 0 ? (
          <p className="log-empty">
            {stream.connected ? 'No log lines yet.' : 'Waiting for the log…'}
          </p>
        ) : (
          lines.map((line) => <LogLineRow key={line.id} line={line} steps={steps} />)
        )}
      </div>
    </section>
  );
}

function LogLineRow({ line, steps }: { line: LogLine; steps?: Map<string, string> }) {
  const source = (line.step_id && steps?.get(line.step_id)) || line.source || '';
  // A message of several lines is preformatted (a version table, a stack, indented JSON): its
  // lines keep their layout and scroll sideways when too wide, rather than wrapping mid-column.
  const preformatted = line.message.includes('\n');
  return (
    <div className={`log-line log-${line.level}`}>
      <time dateTime={line.timestamp}>{line.timestamp.slice(11, 23)}</time>
      <span className="log-source" title={source}>
        {source}
      </span>
      <span className="log-level">{line.level}</span>
      <span className={preformatted ? 'log-message log-message-pre' : 'log-message'}>
        {line.message}
      </span>
    </div>
  );
}
