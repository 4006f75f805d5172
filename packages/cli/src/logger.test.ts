// Log lines are JSON for machines and readable for a person at a terminal: a real `lightning worker`
// process, once with its stdout a terminal (a pseudo-terminal from util-linux's `script`), once a
// pipe, and once in production at a terminal.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { config as serverConfig } from '@lightning/server';
import { ensureBuilt } from '../../worker/src/test-support/build-packages.js';
import { isPrettyLogs } from './logger.js';
import { processEnv } from './test-support/env.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dataDir: string;
beforeAll(async () => {
  // The worker's pool children run the built packages.
  await ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-logger-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Starts `lightning worker` (its server is nowhere: it keeps reconnecting), returns what it wrote
 * up to its "worker started" line, and stops it. With `tty`, stdout is a pseudo-terminal.
 */
async function workerOutput(tty: boolean, extra: Record<string, string> = {}): Promise<string> {
  const command = [process.execPath, '--conditions=source', '--import', 'tsx', MAIN, 'worker'];
  const env = processEnv({
    LIGHTNING_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    WORKER_CAPACITY: '1',
    WORKER_LIGHTNING_SERVICE_URL: 'ws://127.0.0.1:9/worker',
    ...extra,
  });
  const quoted = command.map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(' ');
  const child = tty
    ? spawn('script', ['-qefc', quoted, '/dev/null'], { cwd: ROOT, env, detached: true })
    : spawn(command[0]!, command.slice(1), { cwd: ROOT, env, detached: true });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      if (/worker started/.test(output)) resolve();
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then(() => reject(new Error(`lightning worker exited early:\n${output}`)));
  });
  // The whole group: `script` and the worker under it.
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  return stripVTControlCharacters(output).replace(/\r\n/g, '\n');
}

describe('log format', () => {
  it('is readable only at a terminal outside production', () => {
    expect(isPrettyLogs({ production: false, isTTY: true })).toBe(true);
    expect(isPrettyLogs({ production: false, isTTY: false })).toBe(false);
    expect(isPrettyLogs({ production: false, isTTY: undefined })).toBe(false);
    expect(isPrettyLogs({ production: true, isTTY: true })).toBe(false);
  });

  it('prints time, level and message at a terminal', async () => {
    const output = await workerOutput(true);
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: Generated development keys/m);
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: worker started\n\s+serviceUrl: /m);
    expect(output).not.toMatch(/^\{"level"/m);
  });

  it('prints one JSON object per line into a pipe', async () => {
    const output = await workerOutput(false);
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 30, msg: 'worker started', name: 'lightning' }),
    );
  });

  it('prints JSON in production even at a terminal', async () => {
    const keys = serverConfig.generateWorkerKeys();
    const output = await workerOutput(true, {
      NODE_ENV: 'production',
      WORKER_SECRET: keys.WORKER_SECRET,
      WORKER_LIGHTNING_PUBLIC_KEY: keys.WORKER_LIGHTNING_PUBLIC_KEY,
    });
    const started = output.split('\n').find((line) => line.includes('worker started'));
    expect(JSON.parse(started!)).toMatchObject({ level: 30, msg: 'worker started' });
  });
});
