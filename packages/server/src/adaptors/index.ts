// The adaptors context: which adaptors (and versions, and functions) the editor offers.
export { type AdaptorEntry, createAdaptorRegistry } from './registry.js';
export { registerAdaptorRoutes } from './routes.js';
