// A collapsible JSON tree that stays light on any body: objects and arrays open one level at a time,
// children render 100 at a time ("Show more"), long strings are cut until asked. A 10 MB dataclip
// thus puts a few hundred elements in the page, never the whole document.
import { useState } from 'react';

const PAGE = 100;
const LONG_STRING = 500;

export function JsonViewer({ value, label }: { value: unknown; label: string }) {
  return (
    <section className="json-viewer" aria-label={label}>
      <JsonNode name={null} value={value} depth={0} />
    </section>
  );
}

function JsonNode({ name, value, depth }: { name: string | null; value: unknown; depth: number }) {
  const isContainer = value !== null && typeof value === 'object';
  const [open, setOpen] = useState(depth < 2);
  const [shown, setShown] = useState(PAGE);
  const key = name === null ? null : <span className="json-key">{name}: </span>;

  if (!isContainer) {
    return (
      <div className="json-row">
        {key}
        <JsonScalar value={value} />
      </div>
    );
  }
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value as Record<string, unknown>);
  const summary = Array.isArray(value)
    ? `[${entries.length} item${entries.length === 1 ? '' : 's'}]`
    : `{${entries.length} key${entries.length === 1 ? '' : 's'}}`;
  return (
    <div className="json-row">
      <button
        type="button"
        className="json-toggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        aria-label={`${open ? 'Collapse' : 'Expand'} ${name ?? 'value'}`}
      >
        {open ? '▾' : '▸'}
      </button>
      {key}
      <span className="json-summary">{summary}</span>
      {open && (
        <div className="json-children">
          {entries.slice(0, shown).map(([childName, child]) => (
            <JsonNode key={childName} name={childName} value={child} depth={depth + 1} />
          ))}
          {entries.length > shown && (
            <button type="button" className="json-more" onClick={() => setShown(shown + PAGE)}>
              Show {Math.min(PAGE, entries.length - shown)} more of {entries.length - shown}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function JsonScalar({ value }: { value: unknown }) {
  const [full, setFull] = useState(false);
  if (typeof value === 'string') {
    const cut = !full && value.length > LONG_STRING;
    return (
      <span className="json-string">
        "{cut ? value.slice(0, LONG_STRING) : value}
        {cut && (
          <button type="button" className="json-more" onClick={() => setFull(true)}>
            … show all {value.length} characters
          </button>
        )}
        "
      </span>
    );
  }
  return <span className={`json-${value === null ? 'null' : typeof value}`}>{String(value)}</span>;
}
