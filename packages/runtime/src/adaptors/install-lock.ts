// Serialises adaptor installs. npm must never run twice at once on the same folder: two
// installs rewrite the same package.json and node_modules and corrupt each other. Within a
// process a promise queue orders installs; across processes (two workers, two test files)
// an exclusive lock file does. A lock left by a dead process is taken over at once.
//
// "Dead" includes a process id that was reused: in a container the restarted instance often gets
// the very pid of the one that wrote the lock (often 1), so the lock also records when its
// process started (Linux: /proc/<pid>/stat), and a live pid that started at another time is not
// the holder. Waiting on such a lock stranded a run for the whole lock timeout.
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const queues = new Map<string, Promise<unknown>>();

interface LockHolder {
  pid?: number;
  /** The holder's start time in clock ticks since boot (`/proc/<pid>/stat`), when known. */
  startTime?: string;
}

/** When process `pid` started (field 22 of /proc/<pid>/stat), or undefined off Linux. */
function processStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const ownStartTime = processStartTime('self');

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the process that wrote this lock still running? */
export function isHolderAlive(holder: LockHolder): boolean {
  if (holder.pid === undefined || !isProcessAlive(holder.pid)) return false;
  if (holder.startTime === undefined) return true;
  const startTime = processStartTime(holder.pid);
  return startTime === undefined || startTime === holder.startTime;
}

export interface LockOptions {
  /** Give up waiting for another process's lock after this long. Default 10 minutes. */
  timeoutMs?: number;
  /** Told once, with the holder's pid, when the lock is held by another live process. */
  onWait?: (holderPid: number) => void;
  /** Stop waiting (the process is shutting down). */
  signal?: AbortSignal;
}

async function acquire(lockPath: string, options: LockOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const deadline = Date.now() + timeoutMs;
  let hasWaited = false;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      const holder: LockHolder = { pid: process.pid, startTime: ownStartTime };
      await handle.writeFile(JSON.stringify(holder));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readFile(lockPath, 'utf8').catch(() => '');
    let parsed: LockHolder | undefined;
    try {
      parsed = JSON.parse(holder) as LockHolder;
    } catch {
      // Half-written by its owner: treat as held and look again shortly.
    }
    if (parsed?.pid !== undefined && !isHolderAlive(parsed)) {
      // Another process may have taken it over meanwhile: only remove what was read.
      if ((await readFile(lockPath, 'utf8').catch(() => '')) === holder) {
        await rm(lockPath, { force: true });
      }
      continue;
    }
    if (!hasWaited && parsed?.pid !== undefined) {
      hasWaited = true;
      options.onWait?.(parsed.pid);
    }
    if (options.signal?.aborted) {
      throw new Error(`Stopped waiting for the install lock ${lockPath}: shutting down`);
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
  options: LockOptions = {},
): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      await acquire(lockPath, options);
      try {
        return await task();
      } finally {
        await rm(lockPath, { force: true });
      }
    });
  queues.set(lockPath, run);
  return run;
}
