// `lightning create-user`: an account from the command line, for scripted set-ups. The same rules as
// sign-up apply (valid, unused email; a strong password), but sign-up being disabled does not
// matter and the email counts as confirmed — the operator vouches for it.
import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';

interface CreateUserOptions {
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  superuser?: boolean;
}

/** API field → the option that sets it, so messages name what the operator typed. */
const OPTION_FOR_FIELD: Record<string, string> = {
  email: '--email',
  password: '--password',
  first_name: '--first-name',
  last_name: '--last-name',
};

/**
 * A 422 of the accounts context as an error naming the options (`--password should be at least
 * …`, one line per problem); anything else unchanged.
 */
function explainInvalid(error: unknown): unknown {
  const fields = (error as { errors?: Record<string, string[]> } | null)?.errors;
  if (!fields || typeof fields !== 'object' || Object.keys(fields).length === 0) return error;
  const lines = Object.entries(fields).flatMap(([field, problems]) =>
    problems.map((problem) => `${OPTION_FOR_FIELD[field] ?? field} ${problem}`),
  );
  return new Error(`cannot create the user:\n${lines.join('\n')}`);
}

async function createUser(options: CreateUserOptions): Promise<void> {
  const { accounts, db: serverDb } = await import('@lightning/server');
  const input = {
    email: options.email,
    password: options.password,
    first_name: options.firstName ?? options.email.split('@')[0] ?? '',
    last_name: options.lastName ?? '',
  };
  // Bad input is reported before the database is opened.
  accounts.validateNewUser(input);
  const { config, warnings } = await loadCommandConfig('tool');
  for (const warning of warnings) console.error(`lightning: ${warning}`);
  const database = await serverDb.openDatabase(config, {
    throughRunningInstance: true,
    onRetry: (message) => console.error(`lightning: ${message}`),
  });
  try {
    await serverDb.migrateDatabase(database);
    const user = await accounts.createUser(database.db, input, {
      role: options.superuser ? 'superuser' : 'user',
      confirmed: true,
    });
    console.log(
      `Created ${user.role === 'superuser' ? 'superuser' : 'user'} ${user.email} (id ${user.id})`,
    );
  } finally {
    await database.close();
  }
}

export function registerCreateUserCommand(program: Command): void {
  program
    .command('create-user')
    .description(
      'Create a user (confirmed) with a password; --superuser makes them an instance administrator',
    )
    .requiredOption('--email <email>', 'the email address the user signs in with')
    .requiredOption('--password <password>', '12 to 72 characters, not a common password')
    .option('--first-name <name>', 'first name (default: the part of the email before the @)')
    .option('--last-name <name>', 'last name', '')
    .option('--superuser', 'make the user a superuser', false)
    .action(async (options: CreateUserOptions) => {
      await createUser(options).catch((error: unknown) => {
        throw explainInvalid(error);
      });
    });
}
