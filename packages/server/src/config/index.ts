export {
  type DevKeys,
  ensureDevKeys,
  generateDevKeys,
  generateEncryptionKey,
  generateWorkerKeys,
} from './dev-keys.js';
export {
  type Config,
  ConfigError,
  type Environment,
  type LoadedConfig,
  loadConfig,
  type Purpose,
} from './load.js';
export { decodeBase64, type OriginPattern } from './parsers.js';
export { type VariableName, variables } from './variables.js';
