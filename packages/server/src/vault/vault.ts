// The vault: encryption at rest for credential bodies, TOTP secrets and backup codes, webhook auth
// secrets and other secret columns. Encryption always uses the primary key under the `AES.GCM.V1`
// tag (so an OpenFn Lightning instance with the same key can read what we write). Retired keys are
// kept in a keyring for decryption only: a value that does not authenticate under the key its tag
// names is tried against the retired keys, since values written by an earlier primary carry the
// same tag. GCM authentication makes that trial safe: a wrong key fails, it never yields garbage.
import { DecryptionError, decryptPayload, encrypt, PRIMARY_TAG, splitKeyTag } from './cipher.js';

export interface Keyring {
  primary: Buffer;
  /** Former primary keys, newest first. */
  retired?: Buffer[];
}

export interface Vault {
  encrypt(plaintext: Buffer | string): Buffer;
  encryptString(value: string): Buffer;
  encryptJson(value: unknown): Buffer;
  decrypt(value: Uint8Array): Buffer;
  decryptString(value: Uint8Array): string;
  decryptJson<T = unknown>(value: Uint8Array): T;
  /** True when the value is not encrypted under the current primary key (rotation must rewrite it). */
  needsRotation(value: Uint8Array): boolean;
}

export function createVault(keyring: Keyring): Vault {
  for (const key of [keyring.primary, ...(keyring.retired ?? [])]) {
    if (key.length !== 32) throw new RangeError('vault keys must be 32 bytes');
  }
  const retired = (keyring.retired ?? []).filter((key) => !key.equals(keyring.primary));

  const open = (value: Uint8Array): { plaintext: Buffer; primary: boolean } => {
    const { tag, payload } = splitKeyTag(value);
    if (tag !== PRIMARY_TAG) {
      throw new DecryptionError(`no key in the keyring for key tag "${tag}"`);
    }
    const plaintext = decryptPayload(keyring.primary, payload);
    if (plaintext) return { plaintext, primary: true };
    for (const key of retired) {
      const old = decryptPayload(key, payload);
      if (old) return { plaintext: old, primary: false };
    }
    throw new DecryptionError(
      'value does not decrypt with PRIMARY_ENCRYPTION_KEY or any RETIRED_ENCRYPTION_KEYS entry',
    );
  };

  const vault: Vault = {
    encrypt: (plaintext) =>
      encrypt(
        keyring.primary,
        PRIMARY_TAG,
        typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext,
      ),
    encryptString: (value) => vault.encrypt(Buffer.from(value, 'utf8')),
    encryptJson: (value) => vault.encrypt(Buffer.from(JSON.stringify(value), 'utf8')),
    decrypt: (value) => open(value).plaintext,
    decryptString: (value) => open(value).plaintext.toString('utf8'),
    decryptJson: <T>(value: Uint8Array) => JSON.parse(open(value).plaintext.toString('utf8')) as T,
    needsRotation: (value) => !open(value).primary,
  };
  return vault;
}
