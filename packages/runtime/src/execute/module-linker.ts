// Resolves the modules a job imports. Only allow-listed names (default `@openfn/*`) are
// loaded, from the adaptors folder, with the host's own `import()`: adaptors run in the host
// realm with full Node, as in OpenFn; only job code is confined to the vm context.
import { pathToFileURL } from 'node:url';
import {
  adaptorEntry,
  adaptorPath,
  installedVersions,
  isInstalled,
} from '../adaptors/adaptor-path.js';
import { isAllowed, parseAdaptorSpec } from '../adaptors/adaptor-spec.js';
import { RUNTIME_MODULE } from '../compile/promise-chains.js';
import { ImportError } from '../errors.js';
import { runtimeHelpers } from './runtime-helpers.js';

export type ModuleNamespace = Record<string, unknown>;

export interface LinkerOptions {
  adaptorsDir: string;
  allowList: readonly string[];
  /** Versions to use when a specifier has none: the step's adaptor, `name → version`. */
  pinned: Record<string, string>;
}

/**
 * Load a module for job code.
 *
 * @example await loadModule('@openfn/language-http', { adaptorsDir, allowList: ['@openfn/*'], pinned: { '@openfn/language-http': '7.2.10' } })
 */
export async function loadModule(
  specifier: string,
  options: LinkerOptions,
): Promise<ModuleNamespace> {
  if (specifier === RUNTIME_MODULE) return runtimeHelpers;

  const { name, version: requested } = parseAdaptorSpec(specifier);
  if (!isAllowed(name, options.allowList)) {
    throw new ImportError(
      `Cannot import "${specifier}": jobs may only import modules matching ${options.allowList.join(', ')}`,
    );
  }
  const version =
    requested ?? options.pinned[name] ?? installedVersions(name, options.adaptorsDir)[0];
  const spec = `${name}@${version}`;
  if (!version || !isInstalled(spec, options.adaptorsDir)) {
    throw new ImportError(
      `Cannot import "${specifier}": ${version ? spec : name} is not installed in ${options.adaptorsDir}`,
    );
  }

  let namespace: ModuleNamespace;
  try {
    const entry = adaptorEntry(adaptorPath(spec, options.adaptorsDir));
    namespace = (await import(pathToFileURL(entry).href)) as ModuleNamespace;
  } catch (error) {
    throw new ImportError(`Cannot import "${specifier}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  return interopNamespace(namespace);
}

/** A CommonJS package imported as ESM exposes everything under `default`; unwrap it. */
function interopNamespace(namespace: ModuleNamespace): ModuleNamespace {
  const keys = Object.keys(namespace);
  const fallback = namespace.default;
  if (keys.length === 1 && keys[0] === 'default' && fallback && typeof fallback === 'object') {
    return { ...(fallback as ModuleNamespace), default: fallback };
  }
  return namespace;
}
