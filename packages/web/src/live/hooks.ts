// React hooks over the live socket: project events (debounced into "something changed, re-read")
// and a run's log lines as they stream.
import { useEffect, useRef, useState } from 'react';
import { type LiveEvent, type LogLine, live } from './socket';

/**
 * Calls `onChange` (at most every 300 ms) when anything happens in the project, and after the live
 * socket reconnects. `onEvent` sees each event as it comes.
 */
export function useProjectEvents(
  projectId: string | undefined,
  onChange: () => void,
  onEvent?: (event: LiveEvent) => void,
): void {
  const changed = useRef(onChange);
  const each = useRef(onEvent);
  changed.current = onChange;
  each.current = onEvent;
  useEffect(() => {
    if (!projectId) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = live.subscribe({ project_id: projectId }, (event) => {
      each.current?.(event);
      if (event.event === 'subscribed' || event.event === 'live:disconnected') return;
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        changed.current();
      }, 300);
    });
    return () => {
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [projectId]);
}

/** Most lines kept in memory per run view; older ones are dropped from the top. */
export const MAX_LOG_LINES = 5_000;

export interface RunStream {
  lines: LogLine[];
  /** Lines dropped from the top to keep the view light. */
  dropped: number;
  connected: boolean;
  error: string | null;
}

/**
 * A run's log lines from the start, then live; `onRunChange` when the run or a step changes state.
 */
export function useRunStream(runId: string | undefined, onRunChange?: () => void): RunStream {
  const [state, setState] = useState<RunStream>({
    lines: [],
    dropped: 0,
    connected: false,
    error: null,
  });
  const changed = useRef(onRunChange);
  changed.current = onRunChange;
  useEffect(() => {
    setState({ lines: [], dropped: 0, connected: false, error: null });
    if (!runId) return;
    const seen = new Set<string>();
    const unsubscribe = live.subscribe({ run_id: runId }, (event) => {
      if (event.event === 'subscribed') {
        setState((s) => ({ ...s, connected: true, error: null }));
      } else if (event.event === 'live:disconnected') {
        setState((s) => ({ ...s, connected: false }));
      } else if (event.event === 'error') {
        setState((s) => ({ ...s, error: String(event.data.error ?? 'Live updates failed') }));
      } else if (event.event === 'run:log') {
        const fresh = ((event.data.lines as LogLine[]) ?? []).filter((line) => {
          if (seen.has(line.id)) return false;
          seen.add(line.id);
          return true;
        });
        if (fresh.length === 0) return;
        setState((s) => {
          const lines = s.lines.concat(fresh);
          const over = Math.max(0, lines.length - MAX_LOG_LINES);
          return { ...s, lines: over ? lines.slice(over) : lines, dropped: s.dropped + over };
        });
      } else if (event.event === 'run:updated' || event.event === 'step:updated') {
        changed.current?.();
      }
    });
    return unsubscribe;
  }, [runId]);
  return state;
}
