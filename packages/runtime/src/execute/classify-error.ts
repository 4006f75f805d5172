// Maps whatever a job threw to runtime.md's error table. Errors from job code come from
// another realm (the vm context), so `instanceof` is useless: the constructor's name decides.
import {
  AdaptorError,
  JobError,
  RunError,
  RuntimeCrash,
  RuntimeError,
  SecurityError,
  TimeoutError,
} from '../errors.js';

/** The filename prefix of job code in stack traces. */
export const JOB_FILE_PREFIX = 'lightning-job:';

function errorName(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  const constructorName = (thrown as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof constructorName === 'string' && constructorName !== 'Object') return constructorName;
  const name = (thrown as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Did code generation from strings fail here (`eval`, `new Function`, a Function constructor
 * reached through any value)? The vm context, and the pool child's whole process, refuse it with
 * an EvalError.
 */
export function isCodeGenerationError(thrown: unknown): boolean {
  return errorName(thrown) === 'EvalError';
}

export function errorMessage(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  if (typeof thrown === 'object' && thrown !== null) {
    const message = (thrown as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    try {
      return JSON.stringify(thrown);
    } catch {
      return String(thrown);
    }
  }
  return String(thrown);
}

/**
 * Was this error thrown by adaptor code? The first stack frame that is either job code or a
 * file decides; Node internals and `<anonymous>` frames (JSON.parse, Array.map…) are skipped.
 */
export function isFromAdaptorCode(thrown: unknown): boolean {
  const stack = (thrown as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return false;
  for (const frame of stack.split('\n').slice(1)) {
    if (frame.includes(JOB_FILE_PREFIX)) return false;
    if (/\(?(file:\/\/|\/)[^\s]*:\d+:\d+\)?$/.test(frame.trim())) return true;
  }
  return false;
}

/**
 * Line and column (1-based) of the first job-code frame of an error's stack, in the job
 * script's own coordinates.
 */
export function jobFramePosition(thrown: unknown): { line: number; column: number } | undefined {
  const stack = (thrown as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  for (const frame of stack.split('\n').slice(1)) {
    if (!frame.includes(JOB_FILE_PREFIX)) continue;
    const match = /:(\d+):(\d+)\)?\s*$/.exec(frame);
    if (match) return { line: Number(match[1]), column: Number(match[2]) };
  }
  return undefined;
}

export interface ClassifyOptions {
  /** True when thrown while an operation ran (only then can it be an adaptor's error). */
  inOperation: boolean;
  timeoutMs?: number;
}

export function classifyError(thrown: unknown, options: ClassifyOptions): RunError {
  if (thrown instanceof RunError) return thrown;
  const name = errorName(thrown);
  const message = errorMessage(thrown);
  const cause = { cause: thrown };

  if ((thrown as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
    return new TimeoutError(options.timeoutMs ?? 0);
  }
  if (isCodeGenerationError(thrown)) return new SecurityError();
  if (options.inOperation && isFromAdaptorCode(thrown)) return new AdaptorError(message, cause);
  if (name === 'TypeError' || name === 'RangeError') return new RuntimeError(name, message, cause);
  if (name === 'ReferenceError' || name === 'SyntaxError') {
    return new RuntimeCrash(name, message, cause);
  }
  return new JobError(message, cause);
}

/**
 * The `error_type` a step stores, as OpenFn's worker computes it (`subtype || type`): a step that
 * crashed keeps the name of what it threw (`ReferenceError`, `SyntaxError`, `ValidationError`),
 * while the run that it ended reports the runtime's type (`RuntimeCrash`). `fail` errors keep
 * their type (`RuntimeError` with its subtype in `state.errors`), as upstream reads them from there.
 */
export function stepErrorType(error: RunError): string {
  if (error.severity !== 'fail' && 'subtype' in error && typeof error.subtype === 'string') {
    return error.subtype;
  }
  return error.type;
}
