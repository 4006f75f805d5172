import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../http/errors.js';
/** MAX_DATACLIP_SIZE_MB in bytes: Lightning counts decimal megabytes. */
export const maxBodyBytes = (maxDataclipSizeMb) => maxDataclipSizeMb * 1_000_000;
export function tooLarge(limit) {
  return new PayloadTooLargeError(
    `The request body is larger than MAX_DATACLIP_SIZE_MB allows (${limit} bytes)`,
  );
}
/** 413 at once when the declared length is already over the limit. */
export function checkDeclaredLength(request, limit) {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
}
/**
 * Reads `stream` to the end, or rejects with 413 as soon as more than `limit` bytes arrived.
 * On rejection the stream is paused and left unread; the caller answers and closes.
 */
export function readBodyWithin(stream, limit) {
  return new Promise((resolve, reject) => {
    let chunks = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onAborted);
    };
    const onData = (chunk) => {
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
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error) => {
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
/** The parsed body for the dataclip, or 415 when it cannot be parsed for its content type. */
export function parseWebhookBody(raw, contentType) {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0) return {};
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    let value;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new UnsupportedMediaTypeError(`The body is not valid JSON: ${error.message}`);
    }
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? value
      : { _json: value };
  }
  if (mediaType === 'application/x-www-form-urlencoded') {
    const body = {};
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
//# sourceMappingURL=webhook-body.js.map
