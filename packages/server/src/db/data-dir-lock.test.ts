// One process at a time in an embedded database directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { DatabaseUnreachableError, openDatabase } from './index.js';

let dataDir: string;
const config = () => loadConfig({ LIGHTNING_DATA_DIR: dataDir }).config;
const lockFile = () => join(dataDir, 'pglite.lock');

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-lock-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded database directory lock', () => {
  it('refuses a second opener with a message naming the holder, and frees the directory on close', async () => {
    const first = await openDatabase(config());
    await expect(openDatabase(config())).rejects.toThrow(DatabaseUnreachableError);
    await expect(openDatabase(config())).rejects.toThrow(
      new RegExp(`in use by another Lightning process \\(pid ${process.pid}`),
    );
    await first.close();
    expect(existsSync(lockFile())).toBe(false);

    const again = await openDatabase(config());
    await again.close();
  });

  it('takes over the lock of a process that is gone', async () => {
    // A process that has exited: its pid names no live process (pids are not reused this fast).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const pid = Number(gone.stdout);
    writeFileSync(lockFile(), JSON.stringify({ pid, command: 'lightning start', since: 'then' }));

    const database = await openDatabase(config());
    await database.close();
    expect(existsSync(lockFile())).toBe(false);
  });
});
