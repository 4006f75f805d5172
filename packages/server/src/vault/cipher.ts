// AES-256-GCM in the byte layout of Cloak's `AES.GCM.V1` cipher, which OpenFn Lightning stores
// (../shared/spec/encryption.md), so values written by an existing Lightning database decrypt here
// with the same key and vice versa:
//
//   0x01 | tag length (1 byte) | tag (UTF-8) | IV (16 bytes) | GCM auth tag (16 bytes) | ciphertext
//
// The additional authenticated data is the constant "AES256GCM", as in Cloak.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const PRIMARY_TAG = 'AES.GCM.V1';
const AAD = Buffer.from('AES256GCM', 'ascii');
const IV_BYTES = 16;
const AUTH_TAG_BYTES = 16;
const KEY_TAG_TYPE = 0x01;

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export function encodeKeyTag(tag: string): Buffer {
  const bytes = Buffer.from(tag, 'utf8');
  if (bytes.length > 255) throw new RangeError('key tag longer than 255 bytes');
  return Buffer.concat([Buffer.from([KEY_TAG_TYPE, bytes.length]), bytes]);
}

/** Splits a stored value into its key tag and the cipher payload (IV, auth tag, ciphertext). */
export function splitKeyTag(value: Uint8Array): { tag: string; payload: Buffer } {
  const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (buffer.length < 2 || buffer[0] !== KEY_TAG_TYPE) {
    throw new DecryptionError('value is not an encrypted Lightning value (no key tag)');
  }
  const length = buffer[1]!;
  if (buffer.length < 2 + length + IV_BYTES + AUTH_TAG_BYTES) {
    throw new DecryptionError('encrypted value is truncated');
  }
  return {
    tag: buffer.subarray(2, 2 + length).toString('utf8'),
    payload: buffer.subarray(2 + length),
  };
}

export function encrypt(key: Buffer, tag: string, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: AUTH_TAG_BYTES });
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([encodeKeyTag(tag), iv, cipher.getAuthTag(), ciphertext]);
}

/** Decrypts a payload (without key tag); undefined when the key does not authenticate it. */
export function decryptPayload(key: Buffer, payload: Buffer): Buffer | undefined {
  const iv = payload.subarray(0, IV_BYTES);
  const authTag = payload.subarray(IV_BYTES, IV_BYTES + AUTH_TAG_BYTES);
  const ciphertext = payload.subarray(IV_BYTES + AUTH_TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: AUTH_TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
