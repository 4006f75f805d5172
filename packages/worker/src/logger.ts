// The logger the worker writes to. Its shape is pino's (`logger.info({ runId }, 'message')`), so
// the CLI passes its pino logger straight in; tests pass `silentLogger` or a recorder.

export interface LogFn {
  (message: string): void;
  (fields: object, message?: string): void;
}

export interface WorkerLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const ignore: LogFn = () => {};

/** Drops everything. */
export const silentLogger: WorkerLogger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
};

/** The message of anything thrown, for log fields. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
