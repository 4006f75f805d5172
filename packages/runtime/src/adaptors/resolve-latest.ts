// `@openfn/language-http@latest` → `7.2.10`, asked of the registry once per process: a run
// always executes a concrete version, and the answer does not change often enough to ask again.
import { AutoinstallError } from '../errors.js';
import { parseAdaptorSpec } from './adaptor-spec.js';
import { explainNpmFailure, npmErrorLines, runNpm } from './run-npm.js';

const resolved = new Map<string, Promise<string>>();

/**
 * Resolve a package's dist-tag (default `latest`) to a version.
 *
 * @example await resolveLatest('@openfn/language-http') // '7.2.10'
 */
export function resolveLatest(nameOrSpec: string): Promise<string> {
  const { name, version } = parseAdaptorSpec(nameOrSpec);
  const spec = `${name}@${version ?? 'latest'}`;
  let pending = resolved.get(spec);
  if (!pending) {
    pending = lookUp(name, spec);
    resolved.set(spec, pending);
    // A failed lookup is not cached: the registry may have been briefly unreachable.
    pending.catch(() => resolved.delete(spec));
  }
  return pending;
}

async function lookUp(name: string, spec: string): Promise<string> {
  try {
    const { stdout } = await runNpm(['view', spec, 'version', '--json'], {
      cwd: process.cwd(),
      timeoutMs: 60_000,
    });
    const parsed: unknown = JSON.parse(stdout);
    // A range can match several versions; the last is the highest.
    const version = Array.isArray(parsed) ? parsed.at(-1) : parsed;
    if (typeof version !== 'string' || !version) {
      throw new Error(`npm view returned no version (got ${stdout.trim() || 'nothing'})`);
    }
    return version;
  } catch (error) {
    throw new AutoinstallError(
      `Could not resolve ${spec}: ${explainNpmFailure(name, spec.slice(name.length + 1), error)}`,
      { cause: error, details: npmErrorLines(error) },
    );
  }
}
