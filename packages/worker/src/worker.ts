// The worker process: one socket to the server, the claim loop on `worker:queue`, a run handler
// per claimed run, and the warm pool that executes them. `lightning worker` runs one of these on
// its own; `lightning start` runs one next to the server over loopback, so both modes share this
// code path.

import { type KeyObject, randomBytes } from 'node:crypto';
import {
  type ClaimBackoffOptions,
  readPublicKey,
  signWorkerToken,
  Topics,
  workerSocketUrl,
} from '@lightning/protocol';
import { createClaimLoop } from './claim-loop.js';
import { type CollectionsOptions, collectionsUrlOf } from './collections.js';
import { createDeliver } from './delivery.js';
import { type LivezServer, startLivez } from './livez.js';
import { errorMessage, silentLogger, type WorkerLogger } from './logger.js';
import { createPool, type Pool, type PoolOptions, type PoolStats } from './pool/index.js';
import { handleRun } from './run-handler.js';
import type { Channel } from './socket/channel.js';
import { PhoenixSocket } from './socket/phoenix-socket.js';
import { WORKER_VERSION } from './version.js';

export interface WorkerOptions {
  /** `WORKER_LIGHTNING_SERVICE_URL`, e.g. `ws://localhost:4000/worker`. */
  serviceUrl: string;
  /** `WORKER_SECRET`: signs the socket token (HS256). */
  secret: string;
  /** `WORKER_LIGHTNING_PUBLIC_KEY` (base64 of a PEM, or a PEM): run tokens are verified with it. */
  lightningPublicKey?: string;
  /** `WORKER_CAPACITY`: concurrent runs, and the size of the warm pool. */
  capacity: number;
  /** `WORKER_NAME`: reported as `worker_name` in claims. */
  name: string;
  /** `ADAPTORS_PATH`: where adaptors are installed on demand. */
  adaptorsDir: string;
  /** `WORKER_MAX_RUN_MEMORY_MB`: memory limit of runs whose plan sets none. */
  maxRunMemoryMb: number;
  /** `WORKER_MAX_RUN_DURATION_SECONDS`: time limit of runs whose plan sets none. */
  maxRunDurationSeconds: number;
  /**
   * `WORKER_MAX_LOG_PAYLOAD_MB`: longest log line (its JSON) of runs whose plan sets no
   * `log_payload_limit_mb`; longer lines are cut with a marker. Default 1, as OpenFn.
   */
  maxLogPayloadMb?: number;
  /**
   * `WORKER_COLLECTIONS_URL` / `WORKER_COLLECTIONS_VERSION`: jobs that use `collections.` get
   * `@openfn/language-collections` and this URL with the run token. Default: the `/collections`
   * of the server at `serviceUrl`, adaptor version `latest`; `false`: not offered.
   */
  collections?: Partial<CollectionsOptions> | false;
  logger?: WorkerLogger;
  /** Serve `GET /livez` on this port (0 = any free port). Default: no HTTP server. */
  livezPort?: number;

  // Tuning; the defaults are OpenFn's.
  /** Reply timeout of every push. Default 30 s. */
  messageTimeoutMs?: number;
  /**
   * How long a claim waits for its reply. Default 1 hour, as OpenFn's worker: a claim given up
   * on may still have claimed runs on the server, which would then be lost, so a slow claim is
   * waited for (a dead connection is noticed by the heartbeat instead).
   */
  claimTimeoutMs?: number;
  /** How long a run keeps retrying one undeliverable event. Default 2 minutes. */
  retryWindowMs?: number;
  /** Send logs as `run:batch_logs`. Default true. */
  batchLogs?: boolean;
  batchLimit?: number;
  heartbeatIntervalMs?: number;
  reconnectDelayMs?: (attempt: number) => number;
  claimBackoff?: ClaimBackoffOptions;
  /**
   * Runs whose execution ended that may still be sending their last events while new runs are
   * claimed into their slots. Default `capacity`; 0 holds each slot until run:complete is
   * acknowledged (OpenFn's behaviour).
   */
  maxDraining?: number;
  /** Retire a pool child after this many runs. Default the pool's (100). */
  maxRunsPerChild?: number;
  /** The pool to run on; tests may pass their own. Default `createPool`. */
  createPool?: (options: PoolOptions) => Pool;
  /**
   * Called once when the worker cannot go on: a run token did not verify with
   * `lightningPublicKey` (a configuration error, the same for every run). The worker has stopped
   * claiming and reported that run as `exception`; the caller stops it and exits non-zero.
   */
  onFatalError?: (error: Error) => void;
}

export interface WorkerStatus {
  /** Unique per process; the `worker_id` of the socket token. */
  id: string;
  isConnected: boolean;
  activeRuns: number;
  capacity: number;
  pool: PoolStats | null;
  livezPort: number | null;
}

export interface Worker {
  /**
   * Warm the pool, then connect and start claiming. Resolves once the pool is warm: the server
   * need not be up (the worker keeps reconnecting). Rejects if the pool cannot start.
   */
  start(): Promise<void>;
  /**
   * Stop claiming, let active runs finish and report, leave the channels, close the pool and
   * the socket. Idempotent.
   */
  stop(): Promise<void>;
  /**
   * Install these adaptors in the background, so the first run that uses them does not wait
   * (a workflow was saved, the instance started). Failures are only logged. Before `start` or
   * after `stop` it does nothing.
   */
  prepareAdaptors(specs: readonly string[]): Promise<void>;
  status(): WorkerStatus;
}

/**
 * @example
 * const worker = createWorker({
 *   serviceUrl: 'ws://localhost:4000/worker', secret: config.workers.secret,
 *   capacity: 5, name: 'worker-1', adaptorsDir: '/var/lib/lightning/adaptors',
 *   maxRunMemoryMb: 500, maxRunDurationSeconds: 300, logger,
 * });
 * await worker.start();
 * process.once('SIGTERM', () => void worker.stop().then(() => process.exit(0)));
 */
export function createWorker(options: WorkerOptions): Worker {
  if (!Number.isInteger(options.capacity) || options.capacity < 1) {
    throw new RangeError(`WORKER_CAPACITY must be a positive integer (got ${options.capacity})`);
  }
  if (!options.secret) throw new Error('WORKER_SECRET must be set to start a worker');
  const logger = options.logger ?? silentLogger;
  const id = `${options.name}-${randomBytes(3).toString('hex')}`;
  const messageTimeoutMs = options.messageTimeoutMs ?? 30_000;
  const retryWindowMs = options.retryWindowMs ?? 120_000;
  const publicKey: KeyObject | undefined = options.lightningPublicKey
    ? readPublicKey(options.lightningPublicKey)
    : undefined;

  const socket = new PhoenixSocket({
    url: async () =>
      workerSocketUrl(options.serviceUrl, {
        token: await signWorkerToken(options.secret, id),
        workerVersion: WORKER_VERSION,
      }),
    logger,
    pushTimeoutMs: messageTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    reconnectDelayMs: options.reconnectDelayMs,
  });
  const deliver = createDeliver({ timeoutMs: messageTimeoutMs, retryWindowMs, logger });

  let pool: Pool | null = null;
  let queueChannel: Channel | null = null;
  let livez: LivezServer | null = null;
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  // Until one run token has verified with the public key, claim one run at a time: a wrong key
  // then ends one run as `exception` instead of a whole claim's worth.
  let isKeyConfirmed = !publicKey;
  const collections: CollectionsOptions | undefined =
    options.collections === false
      ? undefined
      : {
          url: options.collections?.url ?? collectionsUrlOf(options.serviceUrl),
          version: options.collections?.version ?? 'latest',
        };
  let tokensBeingChecked = 0;
  let fatalError: Error | null = null;
  let isFatalReported = false;

  function tokenChecked(isValid: boolean): void {
    tokensBeingChecked--;
    if (isValid) {
      if (!isKeyConfirmed) {
        isKeyConfirmed = true;
        claimLoop.wake();
      }
      return;
    }
    claimLoop.stop();
    fatalError ??= new Error(
      "A run token did not verify with WORKER_LIGHTNING_PUBLIC_KEY: it must be the public key generated together with the server's WORKER_RUNS_PRIVATE_KEY (`lightning gen-worker-keys`). The run was reported as failed; this worker stopped claiming.",
    );
  }

  const claimLoop = createClaimLoop({
    channel: {
      // The queue channel exists once started; until then the loop is not running.
      push: (...args) => queueChannel!.push(...args),
      on: (...args) => queueChannel!.on(...args),
      onJoined: (...args) => queueChannel!.onJoined(...args),
      get isJoined() {
        return queueChannel?.isJoined ?? false;
      },
    },
    capacity: options.capacity,
    workerName: options.name || null,
    claimTimeoutMs: options.claimTimeoutMs ?? 3_600_000,
    backoff: options.claimBackoff,
    logger,
    maxDraining: options.maxDraining,
    maxDemand: () => {
      if (fatalError) return 0;
      if (isKeyConfirmed) return Number.POSITIVE_INFINITY;
      return tokensBeingChecked > 0 ? 0 : 1;
    },
    runClaimed: async (run, onExecuted) => {
      if (publicKey) tokensBeingChecked++;
      const outcome = await handleRun(
        run,
        {
          socket,
          pool: pool!,
          deliver,
          logger,
          workerVersion: WORKER_VERSION,
          publicKey,
          onTokenChecked: tokenChecked,
          joinTimeoutMs: retryWindowMs,
          batchLogs: options.batchLogs,
          batchLimit: options.batchLimit,
          maxLogPayloadMb: options.maxLogPayloadMb,
          collections,
        },
        onExecuted,
      );
      // Reported once the refused run's end has reached the server (or could not).
      if (outcome === 'invalid_token' && fatalError && !isFatalReported && !stopping) {
        isFatalReported = true;
        options.onFatalError?.(fatalError);
      }
      return outcome;
    },
  });

  async function start(): Promise<void> {
    if (stopping) throw new Error('The worker has been stopped');
    const make = options.createPool ?? createPool;
    pool = make({
      size: options.capacity,
      adaptorsDir: options.adaptorsDir,
      memoryLimitMb: options.maxRunMemoryMb,
      timeoutMs: options.maxRunDurationSeconds * 1000,
      logger,
      ...(options.maxRunsPerChild ? { maxRunsPerChild: options.maxRunsPerChild } : {}),
      onChildRetired: ({ pid, reason }) =>
        logger.info({ pid }, `Replacing a pool child: ${reason}`),
    });
    try {
      await pool.ready;
    } catch (error) {
      await pool.close();
      throw error;
    }
    if (options.livezPort !== undefined) livez = await startLivez(options.livezPort);
    // stop() was called while the pool warmed up: it closes what was opened; claim nothing.
    if (stopping) return;

    queueChannel = socket.channel(Topics.workerQueue, {
      params: () => ({ capacity: options.capacity, queues: { 'manual>*': options.capacity } }),
      joinTimeoutMs: messageTimeoutMs,
    });
    queueChannel.onJoined(() => logger.info({ workerId: id }, 'Joined worker:queue'));
    queueChannel.join().catch((error) => {
      logger.error({ err: errorMessage(error) }, 'The server refused worker:queue; not claiming');
    });
    claimLoop.start();
    socket.connect();
    logger.info(
      { workerId: id, serviceUrl: options.serviceUrl, capacity: options.capacity },
      'Worker started',
    );
  }

  async function stop(): Promise<void> {
    claimLoop.stop();
    await starting?.catch(() => {});
    // An npm install would hold the stop up for minutes (and outlive the process if it exited
    // first): it is stopped now, and its runs end as `exception` and are reported.
    pool?.stopInstalls?.();
    if (claimLoop.activeRuns > 0) {
      logger.info({ activeRuns: claimLoop.activeRuns }, 'Stopping: waiting for active runs');
    }
    await claimLoop.whenIdle(messageTimeoutMs);
    await queueChannel?.leave();
    await pool?.close();
    await socket.disconnect();
    await livez?.close();
    logger.info({ workerId: id }, 'Worker stopped');
  }

  return {
    start() {
      starting ??= start();
      return starting;
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
    async prepareAdaptors(specs) {
      if (!pool || stopping || specs.length === 0) return;
      // Only an adaptor that npm really installs is logged (by the installer): most saves name
      // adaptors that are already there.
      await pool.prepareAdaptors?.(specs);
    },
    status() {
      return {
        id,
        isConnected: socket.isConnected,
        activeRuns: claimLoop.activeRuns,
        capacity: options.capacity,
        pool: pool?.stats() ?? null,
        livezPort: livez?.port ?? null,
      };
    },
  };
}
