import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { PayloadTooLargeError } from '../http/errors.js';
/** MAX_DATACLIP_SIZE_MB in bytes: Lightning counts decimal megabytes. */
export declare const maxBodyBytes: (maxDataclipSizeMb: number) => number;
export declare function tooLarge(limit: number): PayloadTooLargeError;
/** 413 at once when the declared length is already over the limit. */
export declare function checkDeclaredLength(request: IncomingMessage, limit: number): void;
/**
 * Reads `stream` to the end, or rejects with 413 as soon as more than `limit` bytes arrived.
 * On rejection the stream is paused and left unread; the caller answers and closes.
 */
export declare function readBodyWithin(stream: Readable, limit: number): Promise<Buffer>;
/** The parsed body for the dataclip, or 415 when it cannot be parsed for its content type. */
export declare function parseWebhookBody(raw: Buffer, contentType: string | undefined): unknown;
