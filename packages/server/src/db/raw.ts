// Raw SQL through Drizzle, normalised across drivers: node-postgres answers `{ rows, rowCount }`,
// PGlite `{ rows, affectedRows }`. Used for the hand-written statements (claim, sweeps, rotation).
import type { SQL } from 'drizzle-orm';
import type { Database } from './connect.js';

interface RawResult<T> {
  rows?: T[];
  rowCount?: number | null;
  affectedRows?: number;
}

export async function queryRows<T extends Record<string, unknown>>(
  db: Database,
  query: SQL,
): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as RawResult<T>;
  return result.rows ?? [];
}

/** Runs a statement and returns how many rows it changed. */
export async function executeCount(db: Database, query: SQL): Promise<number> {
  const result = (await db.execute(query)) as unknown as RawResult<unknown>;
  return result.rowCount ?? result.affectedRows ?? 0;
}
