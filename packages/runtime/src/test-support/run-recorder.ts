// Collects a run's events for assertions.
import type { RunEvent } from '../types.js';

export interface Recorder {
  events: RunEvent[];
  onEvent: (event: RunEvent) => void;
  ofType<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[];
  /** Log lines as `SOURCE level: message…` strings. */
  lines(): string[];
}

export function recordRun(): Recorder {
  const events: RunEvent[] = [];
  return {
    events,
    onEvent: (event) => events.push(event),
    ofType: <T extends RunEvent['type']>(type: T) =>
      events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type),
    lines: () =>
      events
        .filter((e) => e.type === 'log')
        .map((e) => {
          const log = e as Extract<RunEvent, { type: 'log' }>;
          const text = log.message.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)));
          return `${log.source} ${log.level}: ${text.join(' ')}`;
        }),
  };
}
