// Keys for development instances: generated once into the data directory so that `lightning start`
// needs no preparation, and reused across restarts (rotating them would make stored secrets
// unreadable). Production refuses to start without real keys (see load.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWorkerKeys as protocolWorkerKeys } from '@lightning/protocol';

export interface DevKeys {
  PRIMARY_ENCRYPTION_KEY: string;
  SECRET_KEY_BASE: string;
  WORKER_RUNS_PRIVATE_KEY: string;
  WORKER_LIGHTNING_PUBLIC_KEY: string;
  WORKER_SECRET: string;
}

/** The three worker variables, as `lightning gen-worker-keys` prints them (see the protocol package). */
export const generateWorkerKeys = protocolWorkerKeys;

export const generateEncryptionKey = (): string => randomBytes(32).toString('base64');

export function generateDevKeys(): DevKeys {
  return {
    PRIMARY_ENCRYPTION_KEY: generateEncryptionKey(),
    SECRET_KEY_BASE: randomBytes(48).toString('base64url') + randomBytes(48).toString('base64url'),
    ...generateWorkerKeys(),
  };
}

/**
 * Returns the development keys kept in `dataDir/dev-keys.json`, creating them on first use.
 * `created` tells the caller to warn that these keys are for development only.
 */
export function ensureDevKeys(dataDir: string): { keys: DevKeys; path: string; created: boolean } {
  const path = join(dataDir, 'dev-keys.json');
  if (existsSync(path)) {
    return { keys: JSON.parse(readFileSync(path, 'utf8')) as DevKeys, path, created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const keys = generateDevKeys();
  writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return { keys, path, created: true };
}
