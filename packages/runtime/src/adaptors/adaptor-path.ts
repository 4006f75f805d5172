// Where an installed adaptor lives, and which file to import from it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { adaptorAlias, parseAdaptorSpec } from './adaptor-spec.js';

/**
 * The package folder of an installed adaptor version.
 *
 * @example adaptorPath('@openfn/language-common@3.3.4', '/repo')
 * // '/repo/node_modules/@openfn/language-common_3.3.4'
 */
export function adaptorPath(spec: string, adaptorsDir: string): string {
  const { name, version } = parseAdaptorSpec(spec);
  if (!version) {
    throw new Error(`Adaptor "${spec}" has no version; use name@version, e.g. ${name}@1.0.0`);
  }
  return path.join(path.resolve(adaptorsDir), 'node_modules', adaptorAlias(name, version));
}

/**
 * Is this exact `name@version` installed? (Never true for a spec without a version.) npm records
 * the alias in the folder's package.json only once the install is complete, so a package that an
 * interrupted npm (a stopped worker) left half-extracted does not count, and is installed again.
 */
export function isInstalled(spec: string, adaptorsDir: string): boolean {
  const { name, version } = parseAdaptorSpec(spec);
  if (!version) return false;
  if (!existsSync(path.join(adaptorPath(spec, adaptorsDir), 'package.json'))) return false;
  try {
    const manifest = JSON.parse(
      readFileSync(path.join(path.resolve(adaptorsDir), 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> };
    return manifest.dependencies?.[adaptorAlias(name, version)] !== undefined;
  } catch {
    return false;
  }
}

type ExportsField = string | { [key: string]: ExportsField } | undefined;

function esmTarget(exportsField: ExportsField): string | undefined {
  if (typeof exportsField === 'string') return exportsField;
  if (!exportsField) return undefined;
  const root = '.' in exportsField ? exportsField['.'] : exportsField;
  if (typeof root === 'string') return root;
  if (!root) return undefined;
  for (const condition of ['import', 'node', 'default']) {
    const target = esmTarget(root[condition]);
    if (target) return target;
  }
  return undefined;
}

/** The ES module entry file of a package folder: exports → module → main → index.js. */
export function adaptorEntry(packageDir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    exports?: ExportsField;
    module?: string;
    main?: string;
  };
  const relative = esmTarget(manifest.exports) ?? manifest.module ?? manifest.main ?? 'index.js';
  return path.join(packageDir, relative);
}

/** Installed versions of `name` in the adaptors folder, highest first. */
export function installedVersions(name: string, adaptorsDir: string): string[] {
  const scopeDir = path.join(path.resolve(adaptorsDir), 'node_modules', path.dirname(name));
  const base = `${path.basename(name)}_`;
  let entries: string[];
  try {
    entries = readdirSync(scopeDir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.startsWith(base))
    .map((entry) => entry.slice(base.length))
    .sort(compareVersions)
    .reverse();
}

/** Orders `1.2.10` after `1.2.9`, and a pre-release before its release. */
export function compareVersions(a: string, b: string): number {
  const [mainA = '', preA] = a.split('-', 2);
  const [mainB = '', preB] = b.split('-', 2);
  const partsA = mainA.split('.').map(Number);
  const partsB = mainB.split('.').map(Number);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const diff = (partsA[i] ?? 0) - (partsB[i] ?? 0);
    if (diff) return diff;
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA < preB ? -1 : 1;
}
