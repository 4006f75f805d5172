// Re-encrypts every encrypted column under the current primary key, in small batches, while the
// instance keeps serving. Each row is rewritten with a compare-and-set on the old ciphertext, so a
// value changed by a user during rotation is never overwritten with stale data (it was written
// under the primary key anyway). Batches walk the primary key in order, so memory stays flat and
// no long transaction holds locks.
import { sql } from 'drizzle-orm';
import { type Database, executeCount, queryRows } from '../db/index.js';
import { type EncryptedColumn, encryptedColumns } from './columns.js';
import type { Vault } from './vault.js';

export interface RotationReport {
  /** Rows re-encrypted, per `table.column`. */
  rotated: Record<string, number>;
  /** Rows already under the primary key. */
  current: number;
  /** Rows whose value decrypts with no key in the keyring (left untouched), per `table.column`. */
  undecryptable: Record<string, number>;
}

export interface RotateOptions {
  batchSize?: number;
  columns?: readonly EncryptedColumn[];
  onProgress?: (message: string) => void;
}

const ident = (name: string) => sql.identifier(name);

export async function rotateEncryptionKey(
  db: Database,
  vault: Vault,
  options: RotateOptions = {},
): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 500;
  const report: RotationReport = { rotated: {}, current: 0, undecryptable: {} };

  for (const { table, column } of options.columns ?? encryptedColumns) {
    const key = `${table}.${column}`;
    let after = '00000000-0000-0000-0000-000000000000';
    let rotated = 0;
    for (;;) {
      const rows = await queryRows<{ id: string; value: Buffer | Uint8Array }>(
        db,
        sql`
        SELECT id::text AS id, ${ident(column)} AS value FROM ${ident(table)}
        WHERE id > ${after}::uuid AND ${ident(column)} IS NOT NULL
        ORDER BY id LIMIT ${batchSize}`,
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const value = Buffer.from(row.value);
        let plaintext: Buffer;
        try {
          if (!vault.needsRotation(value)) {
            report.current++;
            continue;
          }
          plaintext = vault.decrypt(value);
        } catch {
          report.undecryptable[key] = (report.undecryptable[key] ?? 0) + 1;
          continue;
        }
        const updated = await executeCount(
          db,
          sql`
          UPDATE ${ident(table)} SET ${ident(column)} = ${vault.encrypt(plaintext)}
          WHERE id = ${row.id}::uuid AND ${ident(column)} = ${value}`,
        );
        rotated += updated;
      }
      after = rows[rows.length - 1]!.id;
      options.onProgress?.(`${key}: ${rotated} re-encrypted so far`);
    }
    report.rotated[key] = rotated;
  }
  return report;
}
