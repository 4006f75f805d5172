// The `lightning` command. Every failure a user can cause ends with a clear message and a non-zero
// exit, never a stack trace.
//
// Only commander is loaded up front: each command imports the server, the worker or the runtime
// when it runs, so `lightning --help` (and a mistyped option) answers without loading them.

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
  const message = error instanceof Error ? error.message : String(error);
  console.error(`lightning: ${message}`);
  return 1;
}
