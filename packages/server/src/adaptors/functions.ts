// The functions an adaptor offers, for the code editor's completions: read from the `ast.json`
// that OpenFn adaptors ship, in the copy installed under ADAPTORS_PATH (where `lightning worker`
// installs `<name>_<version>`). An adaptor not installed there gets the registry's static names.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AdaptorFunction {
  name: string;
  params: string[];
  description: string | null;
}

const NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const VERSION = /^(latest|\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

/** `@openfn/language-http@6.5.1` → its parts, or null when it is not a plain npm name and version. */
export function parseAdaptorSpec(spec: string): { name: string; version: string } | null {
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : 'latest';
  if (!NAME.test(name) || !VERSION.test(version) || name.includes('..')) return null;
  return { name, version };
}

/** Orders release versions numerically (`1.10.0` after `1.2.0`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function installedParent(adaptorsPath: string, name: string): { parent: string; prefix: string } {
  const scope = name.includes('/') ? name.slice(0, name.indexOf('/')) : '';
  const base = name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
  return { parent: join(adaptorsPath, 'node_modules', scope), prefix: `${base}_` };
}

/** The versions of an adaptor installed under ADAPTORS_PATH, lowest first (none: empty). */
export async function installedVersions(adaptorsPath: string, name: string): Promise<string[]> {
  const { parent, prefix } = installedParent(adaptorsPath, name);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.startsWith(prefix))
    .map((entry) => entry.slice(prefix.length))
    .filter((v) => VERSION.test(v) && v !== 'latest')
    .sort(compareVersions);
}

/** The installed folder of that adaptor version (`latest`: the highest installed), or null. */
async function installedFolder(
  adaptorsPath: string,
  name: string,
  version: string,
): Promise<string | null> {
  const versions = await installedVersions(adaptorsPath, name);
  const chosen = version === 'latest' ? versions.at(-1) : versions.find((v) => v === version);
  const { parent, prefix } = installedParent(adaptorsPath, name);
  return chosen ? join(parent, `${prefix}${chosen}`) : null;
}

interface AstOperation {
  name?: unknown;
  params?: unknown;
  docs?: { description?: unknown; tags?: Array<{ title?: unknown }> };
}

/**
 * The public operations of an installed adaptor version, or null when it is not installed (or its
 * ast.json is missing or unreadable).
 */
export async function installedAdaptorFunctions(
  adaptorsPath: string,
  spec: string,
): Promise<AdaptorFunction[] | null> {
  const parsed = parseAdaptorSpec(spec);
  if (!parsed) return null;
  const folder = await installedFolder(adaptorsPath, parsed.name, parsed.version);
  if (!folder) return null;
  let ast: { operations?: AstOperation[]; exports?: AstOperation[] };
  try {
    ast = JSON.parse(await readFile(join(folder, 'ast.json'), 'utf8'));
  } catch {
    return null;
  }
  const seen = new Set<string>();
  const functions: AdaptorFunction[] = [];
  for (const operation of [...(ast.operations ?? []), ...(ast.exports ?? [])]) {
    if (typeof operation.name !== 'string' || seen.has(operation.name)) continue;
    if (operation.docs?.tags?.some((tag) => tag.title === 'private')) continue;
    seen.add(operation.name);
    functions.push({
      name: operation.name,
      params: Array.isArray(operation.params) ? operation.params.map(String) : [],
      description:
        typeof operation.docs?.description === 'string'
          ? operation.docs.description.split('\n')[0]!
          : null,
    });
  }
  return functions.sort((a, b) => a.name.localeCompare(b.name));
}
