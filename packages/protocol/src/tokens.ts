// The two JWTs of the worker protocol (spec §2):
// - the worker socket token, HS256 with the UTF-8 bytes of WORKER_SECRET, minted by the worker at
//   each connect and checked by the server before the upgrade;
// - the run token, RS256 with WORKER_RUNS_PRIVATE_KEY, minted by the server at claim time for one
//   run and checked by the worker (with the public key) and by the server on `run:<id>` join.
// Verification returns a typed result: a bad token is an expected input, not a crash.

import type { KeyObject } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import {
  RUN_TOKEN_ISSUER,
  TOKEN_CLOCK_TOLERANCE_SECONDS,
  WORKER_TOKEN_ISSUER,
} from './constants.js';
import { InvalidKeyError, readPrivateKey, readPublicKey } from './keys.js';
import { fail, ok, type Result } from './result.js';

export interface WorkerTokenClaims extends JWTPayload {
  worker_id: string;
  iat?: number;
  iss?: string;
}

export interface RunTokenClaims extends JWTPayload {
  /** The run id. */
  id: string;
  /** `run:<id>` in tokens of newer servers. */
  sub?: string;
  exp: number;
  iss: string;
}

export type TokenErrorCode =
  | 'malformed'
  | 'invalid_signature'
  | 'expired'
  | 'nbf_not_reached'
  | 'wrong_issuer'
  | 'wrong_run'
  | 'invalid_claims';

/** Why a token was refused. `code` maps onto join errors (`nbf_not_reached`, else `unauthorized`). */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Clock {
  /** The current time; default the real clock. For tests and replay. */
  now?: Date;
}

const encoder = new TextEncoder();

function secretKey(secret: string): Uint8Array {
  if (secret.length === 0) throw new InvalidKeyError('WORKER_SECRET must not be empty');
  return encoder.encode(secret);
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * The worker's socket token: `{worker_id, iat, iss: "urn:openfn:worker"}`, no expiry.
 *
 * @example
 * const token = await signWorkerToken(config.workerSecret, 'cyan-eggs-wash');
 * new WebSocket(`${url}/websocket?token=${token}&api_version=${API_VERSION}&vsn=2.0.0`);
 */
export async function signWorkerToken(
  secret: string,
  workerId: string,
  options: Clock = {},
): Promise<string> {
  return new SignJWT({ worker_id: workerId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(seconds(options.now ?? new Date()))
    .setIssuer(WORKER_TOKEN_ISSUER)
    .sign(secretKey(secret));
}

/** Checks a worker socket token: HS256 signature, issuer, a string `worker_id`, `nbf` if present. */
export async function verifyWorkerToken(
  secret: string,
  token: string,
  options: Clock = {},
): Promise<Result<WorkerTokenClaims, TokenError>> {
  const key = secretKey(secret);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: WORKER_TOKEN_ISSUER,
      clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
      currentDate: options.now,
    });
    if (typeof payload.worker_id !== 'string' || payload.worker_id.length === 0) {
      return fail(new TokenError('invalid_claims', 'worker token must carry a worker_id string'));
    }
    return ok(payload as WorkerTokenClaims);
  } catch (error) {
    return fail(toTokenError(error));
  }
}

export interface SignRunTokenOptions extends Clock {
  /** Lifetime: at least the run timeout plus the grace period, so a slow run is not locked out. */
  ttlSeconds: number;
}

/**
 * A run token: `{id, sub: "run:<id>", iat, nbf, exp, iss: "Lightning"}`, RS256.
 *
 * @example
 * const token = await signRunToken(config.workerRunsPrivateKey, run.id, {
 *   ttlSeconds: Math.ceil(runTimeoutMs / 1000) + config.runGracePeriodSeconds,
 * });
 */
export async function signRunToken(
  privateKey: string | KeyObject,
  runId: string,
  options: SignRunTokenOptions,
): Promise<string> {
  if (!Number.isFinite(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be a positive number (got ${options.ttlSeconds})`);
  }
  const now = seconds(options.now ?? new Date());
  return new SignJWT({ id: runId })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setSubject(`run:${runId}`)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + Math.ceil(options.ttlSeconds))
    .setIssuer(RUN_TOKEN_ISSUER)
    .sign(readPrivateKey(privateKey));
}

export interface VerifyRunTokenOptions extends Clock {
  /** When given, the token must be for this run (the `run:<id>` being joined). */
  runId?: string;
}

/**
 * Checks a run token: RS256 signature, `iss: "Lightning"`, `exp` and `nbf` with 5 s of clock
 * tolerance, a string `id` (equal to `runId` when given).
 */
export async function verifyRunToken(
  publicKey: string | KeyObject,
  token: string,
  options: VerifyRunTokenOptions = {},
): Promise<Result<RunTokenClaims, TokenError>> {
  const key = readPublicKey(publicKey);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['RS256'],
      issuer: RUN_TOKEN_ISSUER,
      requiredClaims: ['exp'],
      clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
      currentDate: options.now,
    });
    if (typeof payload.id !== 'string' || payload.id.length === 0) {
      return fail(new TokenError('invalid_claims', 'run token must carry the run id in "id"'));
    }
    if (options.runId !== undefined && payload.id !== options.runId) {
      return fail(
        new TokenError('wrong_run', `run token is for run ${payload.id}, not ${options.runId}`),
      );
    }
    return ok(payload as RunTokenClaims);
  } catch (error) {
    return fail(toTokenError(error));
  }
}

function toTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return new TokenError('expired', 'token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf')
      return new TokenError('nbf_not_reached', 'token is not valid yet (nbf)');
    if (error.claim === 'iss')
      return new TokenError('wrong_issuer', `token issuer is wrong: ${error.message}`);
    return new TokenError(
      'invalid_claims',
      `token claim "${error.claim}" is invalid: ${error.message}`,
    );
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return new TokenError('invalid_signature', 'token signature does not verify');
  }
  if (error instanceof errors.JOSEError) {
    return new TokenError('malformed', `token is malformed: ${error.message}`);
  }
  return new TokenError(
    'malformed',
    `token could not be read: ${(error as Error)?.message ?? String(error)}`,
  );
}
