// How a pool child is started: compiled JS, an empty environment, and Node's permission model
// so that even a job that escapes the vm context into the child's own realm can read only the
// code it must load, write nothing, spawn nothing, start no threads and compile no strings.
//
// Node's permission model and `vm` are hardening, not a proof of isolation; the process boundary
// (separate heap, killable, no secrets in it) is what the pool relies on. Network access is NOT
// restricted by Node 20's permission model: a job can open sockets (adaptors need that).

import { type ChildProcess, fork } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SpawnChildOptions {
  /** `--max-old-space-size` for this child, from the run's `run_memory_limit_mb`. */
  heapLimitMb: number;
  adaptorsDir: string;
  /** Module exporting `executePlan`; the real runtime unless a test passes its own. */
  runtimeModule?: string;
  /** Start with `--frozen-intrinsics` (default true; the real adaptors work with it). */
  freezeIntrinsics?: boolean;
  /** Adaptor specs the child imports before it reports ready, so its first run is not cold. */
  preloadAdaptors?: string[];
}

/**
 * The compiled child entry. Under Vitest the pool itself runs from `src/` (TypeScript), but the
 * child must be plain JS, so it always comes from the package's `dist/`.
 */
export const childScript = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../dist/pool/child.js', import.meta.url)
    : new URL('./child.js', import.meta.url),
);

export function spawnChild(options: SpawnChildOptions): ChildProcess {
  const runtimeModule = options.runtimeModule ?? '@lightning/runtime';
  const flags = [
    '--experimental-vm-modules',
    '--experimental-permission',
    ...readablePaths(options.adaptorsDir, runtimeModule).map((p) => `--allow-fs-read=${p}`),
    '--disallow-code-generation-from-strings',
    ...(options.freezeIntrinsics === false ? [] : ['--frozen-intrinsics']),
    `--max-old-space-size=${options.heapLimitMb}`,
    '--disable-warning=ExperimentalWarning',
  ];
  const args = [
    runtimeModule,
    path.resolve(options.adaptorsDir),
    ...(options.preloadAdaptors ?? []),
  ];
  return fork(childScript, args, {
    env: {},
    execArgv: flags,
    // stdout is ignored (job output travels as events); stderr is read for heap-OOM reports.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
}

/**
 * What the child may read: its own compiled code, the runtime package, the node_modules the
 * runtime's dependencies resolve from, and the adaptors. Nothing else: not the repo's `.env`,
 * not the data directory, not /etc.
 */
function readablePaths(adaptorsDir: string, runtimeModule: string): string[] {
  const workerDir = path.resolve(path.dirname(childScript), '..', '..');
  const require = createRequire(childScript);
  const runtimeEntry = realpathSync(require.resolve(runtimeModule));
  const runtimeDir = packageDirOf(runtimeEntry);
  const paths = new Set<string>([
    path.join(workerDir, 'dist'),
    path.join(workerDir, 'package.json'),
    runtimeDir,
    path.resolve(adaptorsDir),
  ]);
  for (const start of [workerDir, runtimeDir]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      paths.add(path.join(dir, 'node_modules'));
      if (path.dirname(dir) === dir) break;
    }
  }
  return [...paths];
}

/** The nearest folder above `file` that is a package (has node_modules resolution semantics). */
function packageDirOf(file: string): string {
  const require = createRequire(file);
  for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      require.resolve(path.join(dir, 'package.json'));
      return dir;
    } catch {
      // keep climbing
    }
  }
  return path.dirname(file);
}
