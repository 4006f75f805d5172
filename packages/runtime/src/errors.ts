// Every error the runtime reports, in one module. Each carries the `type` and `severity`
// (= step/run exit reason) of runtime.md's "Errors and reasons" table, so callers map an
// error to a protocol reason by reading two fields instead of matching on classes.
import type { ErrorType, ExitReason } from './types.js';

export class RunError extends Error {
  readonly type: ErrorType;
  readonly severity: ExitReason;
  /** Where in the job source it happened (1-based line and column), when known. */
  pos?: { line: number; column: number };

  constructor(type: ErrorType, severity: ExitReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = type;
    this.type = type;
    this.severity = severity;
  }
}

/** The job threw an `Error` (or a string, or any other value). Recorded in `state.errors`. */
export class JobError extends RunError {
  constructor(message: string, options?: ErrorOptions) {
    super('JobError', 'fail', message, options);
  }
}

/** A `TypeError` / `RangeError` in job code. `subtype` names the original. */
export class RuntimeError extends RunError {
  readonly subtype: string;
  constructor(subtype: string, message: string, options?: ErrorOptions) {
    super('RuntimeError', 'fail', `${subtype}: ${message}`, options);
    this.subtype = subtype;
  }
}

/** An error thrown from inside adaptor code (for example an HTTP 500 in language-http). */
export class AdaptorError extends RunError {
  /** The top-level operation it happened in (`get`) and that operation's source line. */
  operation?: string;
  line?: number;
  constructor(message: string, options?: ErrorOptions) {
    super('AdaptorError', 'fail', message, options);
  }
}

/** A `ReferenceError` / `SyntaxError` while the job runs: the workflow stops. */
export class RuntimeCrash extends RunError {
  readonly subtype: string;
  constructor(subtype: string, message: string, options?: ErrorOptions) {
    super('RuntimeCrash', 'crash', `${subtype}: ${message}`, options);
    this.subtype = subtype;
  }
}

/** The job source does not parse, or uses `$` where it cannot be made lazy. */
export class CompileError extends RunError {
  /** 1-based line and 0-based column, as acorn reports them. */
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, position?: { line: number; column: number }) {
    super('CompileError', 'crash', message);
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** The job imports a module that is not allowed, or not installed. */
export class ImportError extends RunError {
  constructor(message: string, options?: ErrorOptions) {
    super('ImportError', 'crash', message, options);
  }
}

/** `eval` / `new Function` in job code. */
export class SecurityError extends RunError {
  constructor(message = 'Illegal eval statement detected') {
    super('SecurityError', 'kill', message);
  }
}

export class TimeoutError extends RunError {
  constructor(timeoutMs: number) {
    super('TimeoutError', 'kill', `Job took longer than ${timeoutMs}ms to complete`);
  }
}

/** A step's state is bigger than the state limit (a quarter of the run's memory limit). */
export class StateTooLargeError extends RunError {
  constructor(limitMb: number) {
    super('StateTooLargeError', 'kill', `State exceeds the limit of ${limitMb}mb`);
  }
}

/** An adaptor could not be resolved or installed. */
export class AutoinstallError extends RunError {
  /** npm's own error lines (`npm error code ETARGET`, …), for the run log and the worker log. */
  readonly details: string[];
  constructor(message: string, options?: ErrorOptions & { details?: string[] }) {
    super('AutoinstallError', 'exception', message, options);
    this.details = options?.details ?? [];
  }
}

export class CredentialLoadError extends RunError {
  constructor(message: string, options?: ErrorOptions) {
    super('CredentialLoadError', 'exception', message, options);
  }
}

/** The run's input state is unusable (not a JSON object). */
export class DataClipError extends RunError {
  constructor(message: string, options?: ErrorOptions) {
    super('DataClipError', 'exception', message, options);
  }
}

export function isRunError(error: unknown): error is RunError {
  return error instanceof RunError;
}
