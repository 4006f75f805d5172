// Pool children run compiled JS (Node's permission model and `--frozen-intrinsics` apply to
// real files, not to Vitest's transformed sources), so the packages they load must be built
// before the pool tests run.
//
// Use it as a Vitest globalSetup (builds once per `vitest run`), or call `ensureBuilt()` from a
// test file's `beforeAll`: it skips the build when the globalSetup already did it, and otherwise
// takes a lock so that parallel test files do not run `tsc` over the same `dist/` at once.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
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

/** Build protocol, runtime and worker unless this test run already did. */
export async function ensureBuilt(): Promise<void> {
  if (isBuilt || process.env[builtFlag] === '1') return;
  await withLock(build);
  isBuilt = true;
}

/** Vitest globalSetup entry. Test workers are forked after it, so they inherit the flag. */
export async function setup(): Promise<void> {
  await withLock(build);
  process.env[builtFlag] = '1';
}
