// Reading a webhook body under MAX_DATACLIP_SIZE_MB, decided while the bytes arrive: the count
// grows chunk by chunk and the moment it passes the limit we stop — the chunks kept so far are
// dropped and nothing more is read into memory — so a 1 GB body costs at most the limit, never
// the gigabyte. A declared Content-Length over the limit is refused before reading anything.
//
// Then the body is parsed for its content type, as Lightning's endpoint parsers do: JSON (a
// non-object value lands under `_json`), URL-encoded forms; an empty body is `{}`. Anything else,
// or a body that does not parse, is 415. A body that parses but cannot be stored as it is — a NUL
// character or a lone surrogate in a key or string, nesting past MAX_JSON_DEPTH — is 400 naming
// the field: refused rather than altered, since a job must see what was sent or nothing.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { findUnstorableJson } from '../db/index.js';
import { HttpError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../http/errors.js';

/** MAX_DATACLIP_SIZE_MB in bytes: Lightning counts decimal megabytes. */
export const maxBodyBytes = (maxDataclipSizeMb: number) => maxDataclipSizeMb * 1_000_000;

export function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `The request body is larger than MAX_DATACLIP_SIZE_MB allows (${limit} bytes)`,
  );
}

/** 413 at once when the declared length is already over the limit. */
export function checkDeclaredLength(request: IncomingMessage, limit: number): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
}

/**
 * Reads `stream` to the end, or rejects with 413 as soon as more than `limit` bytes arrived.
 * On rejection the stream is paused and left unread; the caller answers and closes.
 */
export function readBodyWithin(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        stream.pause();
        chunks = [];
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => onError(new Error('The client aborted the request'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onAborted);
  });
}

/**
 * The body as the dataclip will hold it: `Content-Encoding: gzip` is inflated on the fly (as newer
 * Lightning does), and it is the inflated bytes that count against the limit, so a small
 * compressed body cannot expand past it. Other encodings → 415.
 */
export async function readDecodedBody(
  stream: Readable,
  encoding: string | undefined,
  limit: number,
): Promise<Buffer> {
  const coding = encoding?.trim().toLowerCase() ?? 'identity';
  if (coding === 'identity' || coding === '') return readBodyWithin(stream, limit);
  if (coding !== 'gzip' && coding !== 'x-gzip') {
    throw new UnsupportedMediaTypeError(
      `Content-Encoding ${coding} is not accepted: send the body as is, or gzip it`,
    );
  }
  const gunzip = createGunzip();
  stream.pipe(gunzip);
  try {
    return await readBodyWithin(gunzip, limit);
  } catch (error) {
    // Stop reading the request: what is left of it is not inflated, only cut off with the socket.
    stream.unpipe(gunzip);
    stream.pause();
    gunzip.destroy();
    if (error instanceof PayloadTooLargeError) throw error;
    throw new UnsupportedMediaTypeError(
      `The gzip body cannot be inflated: ${(error as Error).message}`,
    );
  }
}

/**
 * 400 naming the first field of a parsed request part (`body`, `query`, `path`) that jsonb cannot
 * hold as it is.
 */
export function checkStorable(value: unknown, root: string): void {
  const found = findUnstorableJson(value, root);
  if (found) {
    throw new HttpError(400, `The request cannot be stored: ${found.path} ${found.problem}`, {
      field: found.path,
    });
  }
}

/**
 * The parsed body for the dataclip: 415 for a content type that is not accepted, 400 for JSON
 * that does not parse or a body that parses but cannot be stored as it is.
 */
export function parseWebhookBody(raw: Buffer, contentType: string | undefined): unknown {
  const body = parseForType(raw, contentType);
  checkStorable(body, 'body');
  return body;
}

function parseForType(raw: Buffer, contentType: string | undefined): unknown {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0) return {};
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      // 400 like every JSON route of the API: the type is accepted, the body is wrong.
      throw new HttpError(400, `The body is not valid JSON: ${(error as Error).message}`);
    }
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? value
      : { _json: value };
  }
  if (mediaType === 'application/x-www-form-urlencoded') {
    const body: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
      const existing = body[key];
      if (existing === undefined) body[key] = value;
      else body[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    return body;
  }
  throw new UnsupportedMediaTypeError(
    mediaType
      ? `Content-Type ${mediaType} is not accepted: send application/json or application/x-www-form-urlencoded`
      : 'A body needs a Content-Type: send application/json or application/x-www-form-urlencoded',
  );
}
