// Reads every text, varchar, jsonb and bytea value of the given tables with raw SQL and reports each
// place one of the given secrets appears in plaintext. Tests run their flows, collect the secrets
// they used (passwords, tokens, TOTP secrets, backup codes) and expect this to find nothing.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { queryRows } from '../db/index.js';

export interface PlaintextHit {
  table: string;
  column: string;
  /** Which secret was found (its position in the list, never its text, so reports stay clean). */
  secretIndex: number;
}

export async function findPlaintextSecrets(
  db: Database,
  tables: string[],
  secrets: string[],
): Promise<{ hits: PlaintextHit[]; valuesScanned: number }> {
  const columns = await queryRows<{ table_name: string; column_name: string; data_type: string }>(
    db,
    sql`SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ${tables}
          AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')`,
  );
  const hits: PlaintextHit[] = [];
  let valuesScanned = 0;
  // Very short strings would match by chance; every secret worth scanning for is longer.
  const needles = secrets.map((s) => (s.length >= 6 ? Buffer.from(s, 'utf8') : null));
  for (const { table_name: table, column_name: column, data_type: type } of columns) {
    // bytea as hex (both drivers agree on text); everything else as its text form.
    const expression =
      type === 'bytea'
        ? sql`encode(${sql.identifier(column)}, 'hex')`
        : sql`${sql.identifier(column)}::text`;
    const rows = await queryRows<{ value: string | null }>(
      db,
      sql`SELECT ${expression} AS value FROM ${sql.identifier(table)}`,
    );
    for (const { value } of rows) {
      if (value === null) continue;
      valuesScanned++;
      const bytes = type === 'bytea' ? Buffer.from(value, 'hex') : Buffer.from(value, 'utf8');
      needles.forEach((needle, secretIndex) => {
        if (needle && bytes.includes(needle)) hits.push({ table, column, secretIndex });
      });
    }
  }
  return { hits, valuesScanned };
}
