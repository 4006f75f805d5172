import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';
import { createCommandLogger } from '../logger.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (the server also applies them at start)')
    .action(async () => {
      const { db: serverDb } = await import('@lightning/server');
      const { config, warnings } = await loadCommandConfig('tool');
      const logger = await createCommandLogger(config);
      for (const warning of warnings) logger.warn(warning);
      const database = await serverDb.openDatabase(config, {
        throughRunningInstance: true,
        onRetry: (message) => logger.warn(message),
      });
      try {
        await serverDb.migrateDatabase(database);
        console.log(`Migrations applied to ${database.location}`);
      } finally {
        await database.close();
      }
    });
}
