// Real adaptors for tests, installed once into the repo's gitignored cache and reused by
// every later run. Two test files may call this at the same time: installAdaptor's lock
// keeps their npm runs apart.
import { fileURLToPath } from 'node:url';
import { installAdaptor } from '../adaptors/install-adaptor.js';

export const ADAPTORS_DIR = fileURLToPath(new URL('../../../../.cache/adaptors', import.meta.url));
export const COMMON = '@openfn/language-common@3.3.4';
export const HTTP = '@openfn/language-http@7.2.10';

export async function ensureAdaptors(): Promise<void> {
  await installAdaptor(COMMON, { adaptorsDir: ADAPTORS_DIR });
  await installAdaptor(HTTP, { adaptorsDir: ADAPTORS_DIR });
}
