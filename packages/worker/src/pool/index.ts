// The pool's public surface: the worker hands runs to `createPool(...).run(...)`.
export type { InstallAdaptor, Pool, PoolOptions, PoolRunOptions, PoolStats } from './pool.js';
export { createPool } from './pool.js';
