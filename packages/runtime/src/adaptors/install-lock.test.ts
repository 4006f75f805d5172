import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withInstallLock } from './install-lock.js';

describe('withInstallLock', () => {
  let dir: string;
  let lock: string;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lightning-lock-'));
    lock = path.join(dir, '.install.lock');
  });
  afterEach(() => {
    child?.kill();
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('never runs two installs at once in one process', async () => {
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await sleep(20);
      running--;
    };
    await Promise.all([1, 2, 3].map(() => withInstallLock(lock, task)));
    expect(most).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('keeps going after a failed install', async () => {
    await expect(
      withInstallLock(lock, async () => {
        throw new Error('npm failed');
      }),
    ).rejects.toThrow('npm failed');
    await expect(withInstallLock(lock, async () => 'next')).resolves.toBe('next');
  });

  it('waits while another live process holds the lock file', async () => {
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    writeFileSync(lock, JSON.stringify({ pid: child.pid }));
    let ran = false;
    const pending = withInstallLock(lock, async () => {
      ran = true;
    });
    await sleep(300);
    expect(ran).toBe(false);
    rmSync(lock);
    await pending;
    expect(ran).toBe(true);
  });

  it('takes over a lock file left by a process that died', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    writeFileSync(lock, JSON.stringify({ pid: dead }));
    await expect(withInstallLock(lock, async () => 'installed')).resolves.toBe('installed');
  });

  it('takes over a lock whose pid now belongs to another process (a restarted container)', async () => {
    // The pid is alive (this very process, as after a restart that reused the old pid), but it
    // started at another time than the process that wrote the lock.
    writeFileSync(lock, JSON.stringify({ pid: process.pid, startTime: '1' }));
    await expect(
      withInstallLock(lock, async () => 'installed', { timeoutMs: 60_000 }),
    ).resolves.toBe('installed');
  });

  it('tells the caller it is waiting for a live holder', async () => {
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    writeFileSync(lock, JSON.stringify({ pid: child.pid }));
    let pending: Promise<void> | undefined;
    const waitedFor = await new Promise<number>((resolve) => {
      pending = withInstallLock(lock, async () => {}, { onWait: resolve });
    });
    expect(waitedFor).toBe(child.pid);
    rmSync(lock);
    await pending;
  });
});
