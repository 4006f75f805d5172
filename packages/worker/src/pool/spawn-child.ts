// How a pool child is started: compiled JS, an empty environment, and Node's permission model
// so that even a job that escapes the vm context into the child's own realm can read only the
// code it must load, write nothing, spawn nothing, start no threads and compile no strings.
//
// Node's permission model and `vm` are hardening, not a proof of isolation; the process boundary
// (separate heap, killable, no secrets in it) is what the pool relies on. Network access is NOT
// restricted by Node 20's permission model: a job can open sockets (adaptors need that).

import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
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
  const runtime = locateRuntime(options.runtimeModule ?? '@lightning/runtime');
  const flags = [
    '--experimental-vm-modules',
    '--experimental-permission',
    ...[...runtime.readable, path.resolve(options.adaptorsDir)].map((p) => `--allow-fs-read=${p}`),
    '--disallow-code-generation-from-strings',
    ...(options.freezeIntrinsics === false ? [] : ['--frozen-intrinsics']),
    `--max-old-space-size=${options.heapLimitMb}`,
    // Node's process warnings (undici's ExperimentalWarning in language-common, deprecations in
    // adaptors' dependencies) concern neither the job's author nor the operator, and a warning as
    // the last stderr line would stand in for a crashed child's reason: none are written.
    '--no-warnings',
  ];
  const args = [
    runtime.entry,
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

interface RuntimeLocation {
  /** Absolute path of the module the child imports, so it resolves nothing through node_modules. */
  entry: string;
  /** Everything the child must read to load it. */
  readable: string[];
}

const located = new Map<string, RuntimeLocation>();

/**
 * What the child may read: its own compiled code, the runtime's `dist/`, and the packages the
 * runtime depends on, each by its real path. Not the repo's whole node_modules: the permission
 * model follows symlinks, and `node_modules/@lightning/*` link to every package's sources.
 */
export function locateRuntime(runtimeModule: string): RuntimeLocation {
  const cached = located.get(runtimeModule);
  if (cached) return cached;
  const workerDir = path.resolve(path.dirname(childScript), '..', '..');
  const entry = path.isAbsolute(runtimeModule)
    ? runtimeModule
    : packageEntry(runtimeModule, path.dirname(childScript));
  const readable = new Set([path.join(workerDir, 'dist'), path.join(workerDir, 'package.json')]);
  const packageDir = packageDirOf(entry);
  if (packageDir && path.isAbsolute(runtimeModule) === false) {
    readable.add(path.join(packageDir, 'package.json'));
    // The whole build folder the entry sits in (`dist/`), not the package's sources.
    readable.add(path.join(packageDir, path.relative(packageDir, entry).split(path.sep)[0]!));
    for (const dir of dependencyDirs(packageDir)) readable.add(dir);
  } else {
    // A module given by path (the tests' fake runtime): that file alone.
    readable.add(entry);
  }
  const location = { entry, readable: [...readable] };
  located.set(runtimeModule, location);
  return location;
}

/**
 * The built entry of a package, as a child without export conditions would load it. Resolved
 * by hand because the parent may run with extra conditions (Vitest's `source` → src/*.ts).
 */
function packageEntry(name: string, fromDir: string): string {
  const dir = findPackage(name, fromDir);
  if (!dir) throw new Error(`Cannot find package ${name} from ${fromDir}`);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    exports?: { '.'?: { default?: string; import?: string } | string };
    main?: string;
  };
  const root = manifest.exports?.['.'];
  const relative =
    (typeof root === 'string' ? root : (root?.import ?? root?.default)) ??
    manifest.main ??
    'index.js';
  return path.join(dir, relative);
}

/** The real folder of package `name` as Node finds it from `fromDir`, or null. */
function findPackage(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return null;
  }
}

/** The nearest folder at or above `file`'s folder that holds a package.json. */
function packageDirOf(file: string): string | null {
  for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return null;
}

/** Real folders of a package's dependencies, and theirs, found as Node would find them. */
function dependencyDirs(packageDir: string, seen = new Set<string>()): Set<string> {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    const real = findPackage(name, packageDir);
    if (real && !seen.has(real)) {
      seen.add(real);
      dependencyDirs(real, seen);
    }
  }
  return seen;
}
