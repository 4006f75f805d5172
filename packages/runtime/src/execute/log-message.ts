// Turns `console.log(...)` arguments into a log line's `message` array: strings stay strings,
// objects become JSON-safe copies (or are hidden, per the plan's `sanitize` option), and a
// message over the log payload limit (`log_payload_limit_mb`, the worker's
// WORKER_MAX_LOG_PAYLOAD_MB) is cut to the limit and ends with a marker saying so. OpenFn's
// worker replaces such a line by a notice; keeping its beginning is more useful and as safe.
//
// A long string is cut before anything else is done with it, so a 60 MB line is never copied
// whole: only its first `limit + SECRET_MARGIN` characters are kept, scrubbed of the step's
// secrets, then cut to the limit. The margin makes sure a secret that straddles the first cut
// (and so could not be recognised by the scrubber) is removed by the second one.
import type { PlanOptions } from '../types.js';
import { safeClone, toSafeJson } from './safe-json.js';

export interface LogMessageOptions {
  sanitize?: PlanOptions['sanitize'];
  /** `log_payload_limit_mb`. */
  limitMb?: number;
  /** Replaces secrets; applied after the first cut and before the second. */
  scrub?: (message: unknown[]) => unknown[];
}

/** Characters kept past the limit until the step's secrets are scrubbed (longest secret). */
const SECRET_MARGIN = 64 * 1024;

export const MB = 1024 * 1024;

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
  const limitBytes = options.limitMb === undefined ? undefined : options.limitMb * MB;
  let cut: { originalBytes: number } | undefined;
  const message = args
    .map((arg) => {
      if (limitBytes !== undefined && typeof arg === 'string' && arg.length > limitBytes) {
        // Counting bytes scans the string without copying it.
        cut = { originalBytes: (cut?.originalBytes ?? 0) + Buffer.byteLength(arg) };
        return arg.slice(0, limitBytes + SECRET_MARGIN);
      }
      return formatArgument(arg, options.sanitize);
    })
    .filter((arg) => arg !== undefined);
  const scrubbed = options.scrub ? options.scrub(message) : message;
  if (options.limitMb === undefined) return scrubbed;
  return limitLogMessage(scrubbed, options.limitMb, cut?.originalBytes);
}

/**
 * The message itself when its JSON fits in `limitMb`, else one string: its text cut to fit,
 * followed by a marker. `cutBytes`: the bytes of the parts already shortened by the caller
 * (the line is over the limit then).
 *
 * @example
 * limitLogMessage(['x'.repeat(2 * 1024 * 1024)], 1)
 * // ['xxxx…xxx … [log line truncated: the line has 2097152 bytes; the log payload limit is 1 MB]']
 */
export function limitLogMessage(message: unknown[], limitMb: number, cutBytes?: number): unknown[] {
  const limitBytes = Math.floor(limitMb * MB);
  const parts = message.map((part) => (typeof part === 'string' ? part : toSafeJson(part)));
  const wasCut = cutBytes !== undefined;
  if (!wasCut) {
    // A string's JSON is at most 6 bytes per UTF-16 unit: short messages are not measured.
    const units = parts.reduce((sum, part) => sum + part.length + 3, 2);
    if (units * 6 <= limitBytes || Buffer.byteLength(toSafeJson(message)) <= limitBytes) {
      return message;
    }
  }
  const text = parts.join(' ');
  const size = wasCut ? `at least ${cutBytes}` : String(Buffer.byteLength(text));
  const marker = ` … [log line truncated: the line has ${size} bytes; the log payload limit is ${limitMb} MB]`;
  return [
    cutToJsonBytes(text, limitBytes - Buffer.byteLength(JSON.stringify(marker)) - 4) + marker,
  ];
}

/** The longest start of `text` whose JSON string takes at most `maxBytes` bytes. */
function cutToJsonBytes(text: string, maxBytes: number): string {
  let end = Math.min(text.length, Math.max(0, maxBytes));
  for (;;) {
    // Never split a surrogate pair.
    if (end > 0 && end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    const part = text.slice(0, end);
    const bytes = Buffer.byteLength(JSON.stringify(part));
    if (bytes <= maxBytes || end === 0) return part;
    end = Math.max(0, Math.min(end - 1, Math.floor((end * maxBytes) / bytes)));
  }
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
