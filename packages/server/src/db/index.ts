export {
  type Database,
  type DatabaseHandle,
  DatabaseUnreachableError,
  describeDatabaseUrl,
  type OpenOptions,
  openDatabase,
} from './connect.js';
export { MIGRATIONS_FOLDER, migrateDatabase } from './migrate.js';
export { executeCount, queryRows } from './raw.js';
export * as schema from './schema.js';
export { isTransientDatabaseError } from './transient.js';
