// The `lightning` command. Every failure a user can cause ends with a clear message and a non-zero
// exit, never a stack trace.

import { config as serverConfig, db as serverDb } from '@lightning/server';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command('lightning')
  .description('Lightning: workflows of OpenFn jobs, triggered by webhook, cron or Kafka')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message (unknown option, missing argument, --help).
    return error.exitCode;
  }
  if (
    error instanceof serverConfig.ConfigError ||
    error instanceof serverDb.DatabaseUnreachableError
  ) {
    console.error(`lightning: ${error.message}`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`lightning: ${message}`);
  return 1;
}
