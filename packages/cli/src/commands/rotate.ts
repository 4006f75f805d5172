import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';
import { createCommandLogger } from '../logger.js';

export function registerRotateCommand(program: Command): void {
  program
    .command('rotate-encryption-key')
    .description(
      'Re-encrypt every encrypted column under PRIMARY_ENCRYPTION_KEY, reading old values with RETIRED_ENCRYPTION_KEYS. Safe while the instance runs.',
    )
    .option('--batch-size <rows>', 'rows per batch', '500')
    .action(async (options: { batchSize: string }) => {
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new Error(`--batch-size must be a positive integer (got "${options.batchSize}")`);
      }
      const { db: serverDb, vault: serverVault } = await import('@lightning/server');
      const { config, warnings } = await loadCommandConfig('server');
      const logger = await createCommandLogger(config);
      for (const warning of warnings) logger.warn(warning);
      const { primaryKey, retiredKeys } = config.encryption;
      if (!primaryKey) throw new Error('PRIMARY_ENCRYPTION_KEY is required to rotate keys');
      if (retiredKeys.length === 0) {
        logger.warn(
          'RETIRED_ENCRYPTION_KEYS is empty: only values that already decrypt with the primary key can be read',
        );
      }
      const vault = serverVault.createVault({ primary: primaryKey, retired: retiredKeys });
      const database = await serverDb.openDatabase(config, {
        throughRunningInstance: true,
        onRetry: (message) => logger.warn(message),
      });
      try {
        await serverDb.migrateDatabase(database);
        const report = await serverVault.rotateEncryptionKey(database.db, vault, {
          batchSize,
          onProgress: (message) => logger.debug(message),
        });
        const total = Object.values(report.rotated).reduce((sum, n) => sum + n, 0);
        for (const [column, count] of Object.entries(report.rotated)) {
          if (count > 0) console.log(`${column}: ${count} re-encrypted`);
        }
        console.log(
          `Re-encrypted ${total} value(s); ${report.current} already under the primary key.`,
        );
        const lost = Object.entries(report.undecryptable);
        if (lost.length > 0) {
          for (const [column, count] of lost) {
            console.error(
              `${column}: ${count} value(s) decrypt with no configured key (left unchanged)`,
            );
          }
          process.exitCode = 1;
        } else if (total === 0 || retiredKeys.length > 0) {
          console.log(
            'Every encrypted value is under the primary key; RETIRED_ENCRYPTION_KEYS can be removed.',
          );
        }
      } finally {
        await database.close();
      }
    });
}
