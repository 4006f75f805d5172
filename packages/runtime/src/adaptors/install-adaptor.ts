// Installs adaptors with npm into one folder, each version under its own alias
// (`@openfn/language-common_3.3.4`) so several versions sit side by side and a run always
// loads exactly the version its job names. An installed version is never installed again.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AutoinstallError } from '../errors.js';
import { adaptorPath, isInstalled } from './adaptor-path.js';
import { adaptorAlias, DEFAULT_ALLOW_LIST, isAllowed, parseAdaptorSpec } from './adaptor-spec.js';
import { withInstallLock } from './install-lock.js';
import { resolveLatest } from './resolve-latest.js';
import { explainNpmFailure, npmErrorLines, runNpm } from './run-npm.js';

/** What an install is doing, for run logs: an install can take minutes on a busy machine. */
export type InstallProgress =
  | { type: 'waiting'; spec: string; holderPid: number }
  | { type: 'installing'; spec: string }
  | { type: 'installed'; spec: string; durationMs: number };

export interface InstallOptions {
  /** The adaptors folder (`ADAPTORS_PATH`); created when missing. */
  adaptorsDir: string;
  /** Package name patterns that may be installed; default `['@openfn/*']`. */
  allowList?: readonly string[];
  /** Told when the install waits for another process, starts npm, and is done. */
  onProgress?: (progress: InstallProgress) => void;
  /** Abort: npm is stopped, the install fails with an AutoinstallError. */
  signal?: AbortSignal;
}

export interface InstalledAdaptor {
  name: string;
  version: string;
  /** `name@version`, with any dist-tag resolved. */
  spec: string;
  /** The installed package folder. */
  path: string;
}

const CONCRETE_VERSION = /^\d+\.\d+\.\d+/;

/**
 * Install `name@version` (or `name@latest`) unless it is already there.
 *
 * @example await installAdaptor('@openfn/language-http@7.2.10', { adaptorsDir: '/var/adaptors' })
 */
export async function installAdaptor(
  spec: string,
  options: InstallOptions,
): Promise<InstalledAdaptor> {
  const { name, version: requested } = parseAdaptorSpec(spec);
  const allowList = options.allowList ?? DEFAULT_ALLOW_LIST;
  if (!isAllowed(name, allowList)) {
    throw new AutoinstallError(
      `Adaptor ${name} is not allowed: only packages matching ${allowList.join(', ')} can be installed`,
    );
  }
  const version =
    requested && CONCRETE_VERSION.test(requested)
      ? requested
      : await resolveLatest(`${name}@${requested ?? 'latest'}`);
  const concrete = `${name}@${version}`;
  const adaptorsDir = path.resolve(options.adaptorsDir);
  const installed = { name, version, spec: concrete, path: adaptorPath(concrete, adaptorsDir) };

  if (isInstalled(concrete, adaptorsDir)) return installed;

  await mkdir(adaptorsDir, { recursive: true });
  const lockOptions = {
    signal: options.signal,
    onWait: (holderPid: number) =>
      options.onProgress?.({ type: 'waiting', spec: concrete, holderPid }),
  };
  return withInstallLock(
    path.join(adaptorsDir, '.install.lock'),
    () => installLocked(concrete, installed, options),
    lockOptions,
  ).catch((error: unknown) => {
    if (error instanceof AutoinstallError) throw error;
    throw new AutoinstallError(`Could not install ${concrete}: ${(error as Error).message}`, {
      cause: error,
    });
  });
}

async function installLocked(
  concrete: string,
  installed: InstalledAdaptor,
  options: InstallOptions,
): Promise<InstalledAdaptor> {
  const { name, version } = installed;
  const adaptorsDir = path.resolve(options.adaptorsDir);
  // Another process may have installed it while we waited for the lock.
  if (isInstalled(concrete, adaptorsDir)) return installed;
  await ensureRepo(adaptorsDir);
  const alias = adaptorAlias(name, version);
  const startedAt = performance.now();
  try {
    const npm = runNpm(
      [
        'install',
        '--prefix',
        adaptorsDir,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--save-exact',
        `${alias}@npm:${concrete}`,
      ],
      { cwd: adaptorsDir, signal: options.signal },
    );
    // Told once npm runs, so that a caller can tell (or stop) the process doing the work.
    options.onProgress?.({ type: 'installing', spec: concrete });
    await npm;
  } catch (error) {
    throw new AutoinstallError(
      `Could not install ${concrete}: ${explainNpmFailure(name, version, error)}`,
      { cause: error, details: npmErrorLines(error) },
    );
  }
  if (!isInstalled(concrete, adaptorsDir)) {
    throw new AutoinstallError(
      `Could not install ${concrete}: npm finished but ${installed.path} is missing`,
    );
  }
  options.onProgress?.({
    type: 'installed',
    spec: concrete,
    durationMs: Math.round(performance.now() - startedAt),
  });
  return installed;
}

/** npm needs a package.json in the folder, or it would install into a parent project. */
async function ensureRepo(adaptorsDir: string): Promise<void> {
  const manifest = path.join(adaptorsDir, 'package.json');
  if (existsSync(manifest)) return;
  await writeFile(
    manifest,
    `${JSON.stringify({ name: 'lightning-adaptors', private: true, dependencies: {} }, null, 2)}\n`,
  );
}
