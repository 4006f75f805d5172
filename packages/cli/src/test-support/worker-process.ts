// A real `lightning worker` process attached to a test server: the end-to-end tests (CLI and
// browser) run their jobs through it, exactly as a deployed worker would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServer } from '../../../server/src/test-support/server.js';
import { ensureBuilt } from '../../../worker/src/test-support/build-packages.js';
import { processEnv } from './env.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface WorkerProcess {
  /** Everything the worker printed so far (stdout and stderr), for assertions and failure messages. */
  output(): string;
  /** SIGTERM, wait for the exit, remove its data directory; the exit code (null: killed by a signal). */
  stop(): Promise<number | null>;
  /** Resolves with the exit code when the process ends on its own (or is stopped). */
  exited: Promise<number | null>;
}

export interface WorkerProcessOptions {
  name: string;
  capacity?: number;
  /** More variables for the worker (e.g. limits). */
  env?: Record<string, string>;
}

export async function startWorkerProcess(
  server: Pick<TestServer, 'baseUrl' | 'config'>,
  { name, capacity = 2, env = {} }: WorkerProcessOptions,
): Promise<WorkerProcess> {
  // Pool children run the built packages.
  await ensureBuilt();
  const { secret, lightningPublicKeyPem } = server.config.workers;
  if (!secret || !lightningPublicKeyPem) throw new Error('the test server has no worker keys');
  const dataDir = mkdtempSync(join(tmpdir(), `lightning-${name}-`));
  let output = '';
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', MAIN, 'worker'],
    {
      cwd: ROOT,
      env: processEnv({
        LIGHTNING_DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        WORKER_LIGHTNING_SERVICE_URL: `${server.baseUrl.replace(/^http/, 'ws')}/worker`,
        WORKER_SECRET: secret,
        WORKER_LIGHTNING_PUBLIC_KEY: Buffer.from(lightningPublicKeyPem).toString('base64'),
        WORKER_CAPACITY: String(capacity),
        WORKER_NAME: name,
        // Adaptors are installed from npm once and shared by every test run.
        ADAPTORS_PATH: join(ROOT, '.cache', 'adaptors'),
        ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    exited,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}
