// Pool children run compiled JS (Node's permission model and `--frozen-intrinsics` apply to
// real files, not to Vitest's transformed sources), so the packages they load must be built
// before the pool tests run.
//
// Use it as a Vitest globalSetup (builds once per `vitest run`), or call `ensureBuilt()` from a
// test file's `beforeAll`: it skips the build when the globalSetup already did it, and otherwise
// takes a lock so that parallel test files do not run `tsc` over the same `dist/` at once.

import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const lockDir = path.join(repoRoot, 'node_modules', '.cache', 'lightning-pool-build.lock');
const builtFlag = 'LIGHTNING_POOL_TEST_BUILT';

const packages = ['protocol', 'runtime', 'worker'];

/**
 * `tsc` emits JS even when it reports type errors, and another package's type errors are that
 * package's own tests' business: go on with a warning as long as every entry point exists.
 */
function build(): void {
  for (const name of packages) {
    try {
      execFileSync('npm', ['run', 'build', '--silent', '-w', `@lightning/${name}`], {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (error) {
      const entry = path.join(repoRoot, 'packages', name, 'dist', 'index.js');
      if (!existsSync(entry)) throw error;
      console.warn(`build-packages: @lightning/${name} built with errors (see above)`);
    }
  }
}

async function withLock(action: () => void): Promise<void> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      try {
        // A lock left by a killed test process: older than any build takes.
        if (Date.now() - statSync(lockDir).mtimeMs > 120_000) rmSync(lockDir, { recursive: true });
      } catch {
        // It was just released.
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the build lock ${lockDir}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    action();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

let isBuilt = false;
const stampFile = path.join(path.dirname(lockDir), 'lightning-pool-build.stamp');

/** Newest modification time of any source or build config of the built packages. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function isUpToDate(): boolean {
  try {
    const stamp = statSync(stampFile).mtimeMs;
    return packages.every((name) => {
      const dir = path.join(repoRoot, 'packages', name);
      return (
        newestSource(path.join(dir, 'src')) < stamp &&
        statSync(path.join(dir, 'tsconfig.build.json')).mtimeMs < stamp
      );
    });
  } catch {
    return false;
  }
}

function buildUnlessUpToDate(): void {
  if (isUpToDate()) return;
  const started = Date.now();
  build();
  // Stamp with the build's start: a source saved during the build makes the next check rebuild.
  writeFileSync(stampFile, '');
  utimesSync(stampFile, new Date(started), new Date(started));
}

/**
 * Build protocol, runtime and worker unless this test run already did, or nothing changed since
 * the last build (parallel test files would otherwise each pay for three `tsc` runs).
 */
export async function ensureBuilt(): Promise<void> {
  if (isBuilt || process.env[builtFlag] === '1') return;
  await withLock(buildUnlessUpToDate);
  isBuilt = true;
}

/** Vitest globalSetup entry. Test workers are forked after it, so they inherit the flag. */
export async function setup(): Promise<void> {
  await withLock(buildUnlessUpToDate);
  process.env[builtFlag] = '1';
}
