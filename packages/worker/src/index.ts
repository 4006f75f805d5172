// @lightning/worker: the process that connects to a Lightning server over the worker socket,
// claims runs and executes them in a warm pool of sandboxed child processes.
export { CLAIM_QUEUES, type ClaimLoop, createClaimLoop } from './claim-loop.js';
export { type LivezServer, startLivez } from './livez.js';
export { type LogFn, silentLogger, type WorkerLogger } from './logger.js';
export { createPool, type Pool, type PoolOptions, type PoolStats } from './pool/index.js';
export { WORKER_VERSION } from './version.js';
export { createWorker, type Worker, type WorkerOptions, type WorkerStatus } from './worker.js';
