// @lightning/worker: the process that connects to a Lightning server over the worker socket
// (Phoenix Channels v2, shared/spec/worker-protocol.md), claims runs and executes them in a warm
// pool of sandboxed child processes.
//
//   worker.ts            createWorker: socket + claim loop + run handlers + pool, start/stop
//   socket/              the Phoenix client: refs and replies, heartbeats, binary replies,
//                        reconnects, channels that rejoin after a reconnect
//   claim-loop.ts        claims on worker:queue, backoff, work-available, slots
//   run-handler.ts       one run: token check, join, fetch:plan/dataclip/credential, pool, leave
//   event-queue.ts       a run's events, strictly in order, each awaiting its reply; log batching
//   delivery.ts          resending through timeouts, disconnects and transient error replies
//   frame-limit.ts       no push larger than the socket's frame limit
//   run-event-payloads.ts  RunEvent → payload of each run-channel event
//   pool/                the warm pool of sandboxed children (see pool/pool.ts)
//   testing/             a scripted Phoenix server and helpers for tests
//
// @example
// const worker = createWorker({
//   serviceUrl: 'ws://localhost:4000/worker', secret, lightningPublicKey,
//   capacity: 5, name: 'worker-1', adaptorsDir, maxRunMemoryMb: 500, maxRunDurationSeconds: 300,
//   logger,
// });
// await worker.start();
// process.once('SIGTERM', () => void worker.stop().then(() => process.exit(0)));

export { CLAIM_QUEUES, type ClaimLoop, createClaimLoop } from './claim-loop.js';
export { type LivezServer, startLivez } from './livez.js';
export { type LogFn, silentLogger, type WorkerLogger } from './logger.js';
export { createPool, type Pool, type PoolOptions, type PoolStats } from './pool/index.js';
export { WORKER_VERSION } from './version.js';
export { createWorker, type Worker, type WorkerOptions, type WorkerStatus } from './worker.js';
