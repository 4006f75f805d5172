// Applies a run's scrubber to the events whose contents are stored: log lines (scrubbed after they
// are formatted into the stored text, so control characters stripped later cannot join a split
// secret back together), output dataclips and error messages. Other events pass unchanged.
import type {
  BatchLogsPayload,
  LogLine,
  RunCompletePayload,
  RunLogPayload,
  StepCompletePayload,
} from '@lightning/protocol';
import { formatMessage } from '../runs/index.js';
import type { Scrubber } from './scrubber.js';

/** Events that carry text the server stores. */
export const SCRUBBED_EVENTS: ReadonlySet<string> = new Set([
  'run:log',
  'run:batch_logs',
  'step:complete',
  'run:complete',
]);

export function scrubRunEvent(scrubber: Scrubber, event: string, payload: unknown): unknown {
  if (scrubber.isEmpty) return payload;
  const text = (value: string | null | undefined) =>
    typeof value === 'string' ? scrubber.scrubText(value) : value;
  const line = <T extends LogLine>(entry: T): T => ({
    ...entry,
    message: scrubber.scrubText(formatMessage(entry.message)),
  });
  switch (event) {
    case 'run:log':
      return line(payload as RunLogPayload);
    case 'run:batch_logs': {
      const batch = payload as BatchLogsPayload;
      return { ...batch, logs: batch.logs.map(line) };
    }
    case 'step:complete': {
      const step = payload as StepCompletePayload;
      return {
        ...step,
        error_message: text(step.error_message),
        output_dataclip:
          typeof step.output_dataclip === 'string'
            ? scrubber.scrubJsonText(step.output_dataclip)
            : step.output_dataclip,
        webhook_response: scrubber.scrubValue(step.webhook_response),
      };
    }
    case 'run:complete': {
      const run = payload as RunCompletePayload;
      return {
        ...run,
        error_message: text(run.error_message),
        final_state: scrubber.scrubValue(run.final_state),
      };
    }
    default:
      return payload;
  }
}
