// The run channel's fetches: `fetch:dataclip` and `fetch:credential` (`fetch:plan` carries an
// empty payload; its reply is the run plan, see plan.ts).

import { z } from 'zod';
import { fail, ok, type Result } from '../result.js';
import { optionalString, requiredString } from './fields.js';

/** `fetch:dataclip`: `{"id": "<dataclip id>"}`. Lightning answers with the run's input either way. */
export const fetchDataclipPayloadSchema = z.object({ id: optionalString });
export type FetchDataclipPayload = z.output<typeof fetchDataclipPayloadSchema>;

/** `fetch:credential`: `{"id": "<credential id>"}`; a missing id is `{"errors":{"id":["can't be blank"]}}`. */
export const fetchCredentialPayloadSchema = z.object({ id: requiredString });
export type FetchCredentialPayload = z.output<typeof fetchCredentialPayloadSchema>;

/** Reply to `fetch:credential`: the decrypted credential body, which becomes `state.configuration`. */
export const credentialResponseSchema = z.record(z.string(), z.unknown());
export type CredentialResponse = z.output<typeof credentialResponseSchema>;

/** Lightning's error message when the credential is not one of the run's jobs'. */
export const CREDENTIAL_NOT_FOUND = 'Credential not found!';

const utf8 = new TextDecoder('utf-8');

/**
 * Reads the `response` of a `fetch:dataclip` reply into the initial state. Real Lightning sends a
 * binary reply (an ArrayBuffer in the JS client, a Uint8Array from `decodeBinaryReply`);
 * lightning-mock sends a JSON array of byte values; a plain JSON string is accepted too.
 * The stored body may be `null` when the dataclip was wiped.
 */
export function parseDataclipResponse(response: unknown): Result<unknown, string> {
  let text: string;
  if (response instanceof ArrayBuffer) text = utf8.decode(new Uint8Array(response));
  else if (ArrayBuffer.isView(response)) {
    text = utf8.decode(new Uint8Array(response.buffer, response.byteOffset, response.byteLength));
  } else if (Array.isArray(response) && response.every(isByte)) {
    text = utf8.decode(Uint8Array.from(response as number[]));
  } else if (typeof response === 'string') text = response;
  else {
    return fail('dataclip reply must be bytes of JSON text (binary reply or an array of bytes)');
  }
  try {
    return ok(JSON.parse(text));
  } catch (error) {
    return fail(`dataclip is not valid JSON: ${(error as Error).message}`);
  }
}

function isByte(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}
