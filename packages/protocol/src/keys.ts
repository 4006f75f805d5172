// The RSA keys of run tokens travel in environment variables as base64 of a PEM on one line.
// Lightning's `gen_worker_keys` prints them unpadded and OpenSSL may write PKCS#1
// (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`), so all of those are read here. Keys
// are turned into Node KeyObjects, because jose's `importPKCS8` rejects PKCS#1 PEMs.

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

/** A key variable that is not base64 of a PEM of the expected kind. */
export class InvalidKeyError extends Error {
  override name = 'InvalidKeyError';
}

const PEM_HEADER = /-----BEGIN [A-Z0-9 ]+-----/;
// Standard or URL-safe alphabet, padded or not (Node's base64 decoder reads all of them).
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The PEM inside a key variable: base64 of a PEM (padded or not), or a PEM pasted as is.
 * `name` is the variable's name, used in error messages.
 */
export function decodeBase64Pem(value: string, name = 'key'): string {
  const trimmed = value.trim();
  if (PEM_HEADER.test(trimmed)) return trimmed;
  const compact = trimmed.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) {
    throw new InvalidKeyError(`${name} must be base64 of a PEM key (got text that is not base64)`);
  }
  const pem = Buffer.from(compact, 'base64').toString('utf8');
  if (!PEM_HEADER.test(pem)) {
    throw new InvalidKeyError(
      `${name} must be base64 of a PEM key (the decoded text has no "-----BEGIN" line)`,
    );
  }
  return pem;
}

/** An RSA private key (PKCS#1 or PKCS#8) from base64 of its PEM, or from a KeyObject. */
export function readPrivateKey(
  key: string | KeyObject,
  name = 'WORKER_RUNS_PRIVATE_KEY',
): KeyObject {
  const keyObject =
    typeof key === 'string'
      ? parseKey(() => createPrivateKey(decodeBase64Pem(key, name)), name, 'private')
      : key;
  return requireRsa(keyObject, name);
}

/** An RSA public key (SPKI or PKCS#1) from base64 of its PEM, or from a KeyObject. */
export function readPublicKey(
  key: string | KeyObject,
  name = 'WORKER_LIGHTNING_PUBLIC_KEY',
): KeyObject {
  const keyObject =
    typeof key === 'string'
      ? parseKey(() => createPublicKey(decodeBase64Pem(key, name)), name, 'public')
      : key;
  return requireRsa(keyObject, name);
}

function parseKey(read: () => KeyObject, name: string, kind: string): KeyObject {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidKeyError) throw error;
    throw new InvalidKeyError(
      `${name} must be base64 of a PEM RSA ${kind} key (${(error as Error).message})`,
    );
  }
}

function requireRsa(key: KeyObject, name: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new InvalidKeyError(
      `${name} must be an RSA key (got ${key.asymmetricKeyType ?? key.type})`,
    );
  }
  return key;
}

/** The three variables `gen-worker-keys` prints. */
export interface WorkerKeys {
  /** Server only: signs run tokens. Base64 of a PKCS#8 PEM. */
  WORKER_RUNS_PRIVATE_KEY: string;
  /** Workers: verify run tokens. Base64 of an SPKI PEM. */
  WORKER_LIGHTNING_PUBLIC_KEY: string;
  /** Server and workers: signs worker socket tokens. Base64 of 32 random bytes. */
  WORKER_SECRET: string;
}

/**
 * A fresh RSA-2048 key pair and worker secret, each on one line, ready to paste into an
 * environment file.
 *
 * @example
 * for (const [name, value] of Object.entries(generateWorkerKeys())) console.log(`${name}="${value}"`);
 */
export function generateWorkerKeys(): WorkerKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    WORKER_RUNS_PRIVATE_KEY: Buffer.from(privateKey, 'utf8').toString('base64'),
    WORKER_LIGHTNING_PUBLIC_KEY: Buffer.from(publicKey, 'utf8').toString('base64'),
    WORKER_SECRET: randomBytes(32).toString('base64'),
  };
}
