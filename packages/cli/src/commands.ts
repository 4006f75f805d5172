import type { Command } from 'commander';
import { registerApiTokenCommand } from './commands/api-tokens.js';
import { registerCreateUserCommand } from './commands/create-user.js';
import { registerExecuteCommand } from './commands/execute.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerResetDemoCommand } from './commands/reset-demo.js';
import { registerRotateCommand } from './commands/rotate.js';
import { registerServerCommands } from './commands/server.js';

/** Every subcommand of `lightning`, each in its own file under commands/. */
export function registerCommands(program: Command): void {
  registerServerCommands(program);
  registerMigrateCommand(program);
  registerKeyCommands(program);
  registerRotateCommand(program);
  registerExecuteCommand(program);
  registerApiTokenCommand(program);
  registerResetDemoCommand(program);
  registerCreateUserCommand(program);
}
