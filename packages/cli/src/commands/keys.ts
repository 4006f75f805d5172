import type { Command } from 'commander';

export function registerKeyCommands(program: Command): void {
  program
    .command('gen-encryption-key')
    .description('Print a new PRIMARY_ENCRYPTION_KEY: base64 of 32 random bytes')
    .action(async () => {
      const { config: serverConfig } = await import('@lightning/server');
      console.log(serverConfig.generateEncryptionKey());
    });

  program
    .command('gen-worker-keys')
    .description(
      'Print WORKER_RUNS_PRIVATE_KEY, WORKER_SECRET and WORKER_LIGHTNING_PUBLIC_KEY, ready to paste',
    )
    .action(async () => {
      const { config: serverConfig } = await import('@lightning/server');
      const keys = serverConfig.generateWorkerKeys();
      console.log(`WORKER_RUNS_PRIVATE_KEY="${keys.WORKER_RUNS_PRIVATE_KEY}"`);
      console.log('');
      console.log(`WORKER_SECRET="${keys.WORKER_SECRET}"`);
      console.log('');
      console.log(`WORKER_LIGHTNING_PUBLIC_KEY="${keys.WORKER_LIGHTNING_PUBLIC_KEY}"`);
      console.error(
        '\nThe server needs WORKER_RUNS_PRIVATE_KEY and WORKER_SECRET; workers need WORKER_SECRET and WORKER_LIGHTNING_PUBLIC_KEY.',
      );
    });
}
