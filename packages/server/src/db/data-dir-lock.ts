// One process at a time in an embedded database directory. PGlite is a single-process database:
// a second process opening the same directory does not fail, it works on its own copy of the
// pages and the two overwrite each other (a user created by `lightning create-user` next to a
// running `lightning start` was gone after the restart). A lock file beside the data makes the
// second opener fail with a message saying who holds it.
//
// The lock is a file created exclusively (O_EXCL), holding the owner's pid. A lock whose process
// is gone (killed with SIGKILL, a crash) is taken over; a live owner is never second-guessed.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class DataDirectoryLockedError extends Error {
  override name = 'DataDirectoryLockedError';
}

interface LockOwner {
  pid: number;
  command: string;
  since: string;
}

/**
 * Takes the lock file `path`, or throws `DataDirectoryLockedError` naming the process holding it.
 * Returns the release function (idempotent; also run when the process exits).
 *
 * @example
 * const release = lockDataDirectory(join(dataDir, 'pgdata.lock'), join(dataDir, 'pgdata'));
 * try { ... } finally { release(); }
 */
export function lockDataDirectory(path: string, location: string): () => void {
  const owner: LockOwner = {
    pid: process.pid,
    command: process.argv.slice(1).join(' '),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${JSON.stringify(owner)}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readOwner(path);
      if (holder && isAlive(holder.pid)) {
        throw new DataDirectoryLockedError(
          `The embedded database in ${location} is in use by another Lightning process (pid ${holder.pid}` +
            `${holder.command ? `, ${holder.command}` : ''}, since ${holder.since}). PGlite allows one process at a time: ` +
            'stop that process first, or run both against PostgreSQL (DATABASE_URL).',
        );
      }
      // The holder is gone (or the file is unreadable, a crash while writing it): take it over.
      // A second stale-lock round means another process raced us to it; it holds it now.
      if (attempt > 0) throw error;
      rmSync(path, { force: true });
    }
  }

  let isReleased = false;
  const release = () => {
    if (isReleased) return;
    isReleased = true;
    process.off('exit', release);
    // Only our own lock: never remove one another process took over.
    if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return release;
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) ? owner : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
