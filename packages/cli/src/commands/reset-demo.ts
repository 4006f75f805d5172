import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';

export function registerResetDemoCommand(program: Command): void {
  program
    .command('reset-demo')
    .description(
      'Wipe ALL data of a demo instance and seed the demo project, workflows and users (only when IS_RESETTABLE_DEMO=true)',
    )
    .action(async () => {
      const { demo, db: serverDb } = await import('@lightning/server');
      const { config, warnings } = await loadCommandConfig('tool');
      for (const warning of warnings) console.error(`lightning: ${warning}`);
      // Refuse before touching the database at all.
      if (!config.accounts.isResettableDemo) throw new demo.DemoResetRefusedError();
      const database = await serverDb.openDatabase(config, {
        throughRunningInstance: true,
        onRetry: (message) => console.error(`lightning: ${message}`),
      });
      try {
        await serverDb.migrateDatabase(database);
        const report = await demo.resetDemo(database.db, config);
        console.log(`Reset the demo instance at ${database.location}.`);
        console.log(
          `Project ${report.projectName} (${report.projectId}) with ${report.workflowCount} workflows; its webhook: ${report.webhookUrl}`,
        );
        console.log('Demo users (email, password, role):');
        for (const user of report.users) {
          const role = user.role === 'superuser' ? 'superuser, project owner' : user.role;
          console.log(`  ${user.email.padEnd(20)} ${user.password.padEnd(22)} ${role}`);
        }
      } finally {
        await database.close();
      }
    });
}
