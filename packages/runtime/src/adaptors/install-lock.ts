// Serialises adaptor installs. npm must never run twice at once on the same folder: two
// installs rewrite the same package.json and node_modules and corrupt each other. Within a
// process a promise queue orders installs; across processes (two workers, two test files)
// an exclusive lock file does. A lock left by a dead process is taken over.
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const queues = new Map<string, Promise<unknown>>();

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid }));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readFile(lockPath, 'utf8').catch(() => '');
    let pid: number | undefined;
    try {
      pid = (JSON.parse(holder) as { pid?: number }).pid;
    } catch {
      // Half-written by its owner: treat as held and look again shortly.
    }
    if (pid !== undefined && !isProcessAlive(pid)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs}ms waiting for the install lock ${lockPath}`);
    }
    await sleep(100);
  }
}

/** Run `task` while holding both the in-process queue slot and the lock file at `lockPath`. */
export function withInstallLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  timeoutMs = 10 * 60_000,
): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      await acquire(lockPath, timeoutMs);
      try {
        return await task();
      } finally {
        await rm(lockPath, { force: true });
      }
    });
  queues.set(lockPath, run);
  return run;
}
