// The worker socket's credentials: the HS256 token a worker signs with WORKER_SECRET at every
// connect (checked before the upgrade), and the RSA key pair of run tokens.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readPrivateKey } from '@lightning/protocol';
import type { Config } from '../config/index.js';

export interface WorkerKeys {
  /** WORKER_SECRET: workers sign their socket tokens with it. */
  secret: string;
  /** WORKER_RUNS_PRIVATE_KEY: run tokens are signed with it at claim time. */
  runsPrivateKey: KeyObject;
  /** Derived from the private key: run tokens are checked with it on `run:<id>` join. */
  runsPublicKey: KeyObject;
}

/**
 * The keys, parsed once; `null` (with the reason) when the configuration lacks them, in which case
 * the socket refuses every worker rather than the server refusing to start.
 */
export function readWorkerKeys(
  config: Config,
): { ok: true; keys: WorkerKeys } | { ok: false; reason: string } {
  const { secret, runsPrivateKeyPem } = config.workers;
  if (!secret) return { ok: false, reason: 'WORKER_SECRET is not set' };
  if (!runsPrivateKeyPem) return { ok: false, reason: 'WORKER_RUNS_PRIVATE_KEY is not set' };
  const runsPrivateKey = readPrivateKey(runsPrivateKeyPem);
  return {
    ok: true,
    keys: { secret, runsPrivateKey, runsPublicKey: createPublicKey(runsPrivateKey) },
  };
}
