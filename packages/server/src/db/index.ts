export {
  type Database,
  type DatabaseHandle,
  DatabaseUnreachableError,
  describeDatabaseUrl,
  type OpenOptions,
  openDatabase,
} from './connect.js';
export {
  type DatabaseErrorSummary,
  isDatabaseError,
  isRefusedValueError,
  sqlState,
  summarizeDatabaseError,
} from './error-summary.js';
export { MIGRATIONS_FOLDER, migrateDatabase } from './migrate.js';
export { executeCount, queryRows } from './raw.js';
export * as schema from './schema.js';
export {
  findUnstorableJson,
  isNestedDeeperThan,
  MAX_JSON_DEPTH,
  type UnstorableJson,
  unstorableTextProblem,
} from './storable-json.js';
export { isTransientDatabaseError } from './transient.js';
