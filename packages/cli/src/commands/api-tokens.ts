import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';

export function registerApiTokenCommand(program: Command): void {
  program
    .command('create-api-token')
    .description(
      "Print a new personal access token for a user (for scripts: `Authorization: Bearer <token>`). Run it with the server's configuration: the token is signed with WORKER_RUNS_PRIVATE_KEY.",
    )
    .requiredOption('--email <email>', 'the user the token acts as')
    .option('--name <name>', 'a label for the token, shown in the token list', 'CLI token')
    .action(async (options: { email: string; name: string }) => {
      const { accounts, db: serverDb } = await import('@lightning/server');
      const { config, warnings } = await loadCommandConfig('server');
      // Only the token goes to stdout, so `TOKEN=$(lightning create-api-token …)` works.
      for (const warning of warnings) console.error(`lightning: ${warning}`);
      const database = await serverDb.openDatabase(config, {
        throughRunningInstance: true,
        onRetry: (message) => console.error(`lightning: ${message}`),
      });
      try {
        await serverDb.migrateDatabase(database);
        const created = await accounts.createApiTokenForEmail(database.db, config, options);
        console.log(created.token);
      } finally {
        await database.close();
      }
    });
}
