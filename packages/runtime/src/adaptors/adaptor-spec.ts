// Adaptor specifiers: `@openfn/language-http@7.2.10` → name + version.
import { AutoinstallError } from '../errors.js';

export interface AdaptorSpec {
  /** Package name without version: `@openfn/language-http`. */
  name: string;
  /** `7.2.10`, a dist-tag such as `latest`, or undefined when none was given. */
  version?: string;
}

/**
 * Split `name@version` (the name may itself start with `@scope/`).
 *
 * @example parseAdaptorSpec('@openfn/language-http@7.2.10') // { name: '@openfn/language-http', version: '7.2.10' }
 */
export function parseAdaptorSpec(spec: string): AdaptorSpec {
  const trimmed = spec.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) {
    if (!trimmed) throw new AutoinstallError('Adaptor specifier is empty');
    return { name: trimmed };
  }
  const name = trimmed.slice(0, at);
  const version = trimmed.slice(at + 1);
  return version ? { name, version } : { name };
}

/** The package name without its version suffix, which is what job code imports. */
export function adaptorName(spec: string): string {
  return parseAdaptorSpec(spec).name;
}

/**
 * The folder name an adaptor version is installed under, so versions sit side by side:
 * `@openfn/language-common_3.3.4`.
 */
export function adaptorAlias(name: string, version: string): string {
  return `${name}_${version}`;
}

/** Does `name` match one of the patterns (`@openfn/*` style: `*` matches anything)? */
export function isAllowed(name: string, allowList: readonly string[]): boolean {
  return allowList.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('.*')}$`,
    );
    return regex.test(name);
  });
}

export const DEFAULT_ALLOW_LIST: readonly string[] = ['@openfn/*'];
