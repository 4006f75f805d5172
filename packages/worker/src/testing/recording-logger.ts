// A logger that keeps what it is told, for tests that check a log line.
import type { WorkerLogger } from '../logger.js';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: object;
}

export function recordingLogger(lines: LoggedLine[]): WorkerLogger {
  const at =
    (level: LoggedLine['level']) =>
    (first: string | object, message?: string): void => {
      if (typeof first === 'string') lines.push({ level, message: first, fields: {} });
      else lines.push({ level, message: message ?? '', fields: first });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
