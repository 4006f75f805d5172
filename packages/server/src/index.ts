// The server package's public surface, used by the `lightning` command.
export * as accounts from './accounts/index.js';
export * as config from './config/index.js';
export * as db from './db/index.js';
export * as demo from './demo/index.js';
export { createLogger } from './logger.js';
export { type RunningServer, type StartServerOptions, startServer } from './server.js';
export * as vault from './vault/index.js';
export * as workflows from './workflows/index.js';
