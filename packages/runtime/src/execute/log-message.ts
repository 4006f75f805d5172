// Turns `console.log(...)` arguments into a log line's `message` array: strings stay strings,
// objects become JSON-safe copies (or are hidden, per the plan's `sanitize` option), and a
// message over the log payload limit is replaced by a notice rather than dropped silently.
import type { PlanOptions } from '../types.js';
import { safeClone, toSafeJson } from './safe-json.js';

export interface LogMessageOptions {
  sanitize?: PlanOptions['sanitize'];
  /** `log_payload_limit_mb`. */
  limitMb?: number;
}

function isErrorLike(value: object): value is { name?: unknown; message?: unknown } {
  return Object.prototype.toString.call(value) === '[object Error]';
}

function formatArgument(value: unknown, sanitize: LogMessageOptions['sanitize']): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'undefined':
      return 'undefined';
    case 'bigint':
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function${value.name ? `: ${value.name}` : ''}]`;
    default:
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (isErrorLike(object)) return `${String(object.name)}: ${String(object.message)}`;
  switch (sanitize) {
    case 'remove':
      return undefined;
    case 'obfuscate':
      return Array.isArray(object) ? '[array]' : '[object]';
    case 'summarize':
      return Array.isArray(object)
        ? `(array with ${object.length} items)`
        : `(object with keys ${Object.keys(object).join(', ')})`;
    default:
      return safeClone(object);
  }
}

export function formatLogMessage(args: unknown[], options: LogMessageOptions = {}): unknown[] {
  const message = args
    .map((arg) => formatArgument(arg, options.sanitize))
    .filter((arg) => arg !== undefined);
  if (options.limitMb !== undefined) {
    const bytes = Buffer.byteLength(toSafeJson(message));
    if (bytes > options.limitMb * 1024 * 1024) {
      return [`(Log message redacted: exceeds ${options.limitMb}mb memory limit)`];
    }
  }
  return message;
}
