// Which values of a credential body are sensitive, and the three things done with them: counting
// (MAX_CREDENTIAL_SENSITIVE_VALUES), masking (no API returns them after saving) and restoring
// (an update that sends the mask back keeps the saved value).
//
// A value is sensitive when any key on its path is marked sensitive by the credential's schema
// (`"sensitive": true`, `"writeOnly": true` or `"format": "password"`) or has a secret-looking
// name (password, passphrase, secret, …token, …key except publicKey, pin). Under a sensitive key,
// every leaf below it is sensitive too (an object of secrets, an array of tokens).
//
// What counts as one sensitive value: each non-empty string and each number at a sensitive path.
// Empty strings, booleans and nulls hold nothing to hide and are neither counted nor masked.

/** The mask every API answers in place of a saved sensitive value. */
export const MASK = '********';

export type JsonPath = readonly (string | number)[];

/** Tells whether the schema marks the value at this path sensitive (key names are checked apart). */
export type SchemaSensitivity = (path: JsonPath) => boolean;

const SECRET_WORDS = ['password', 'passwd', 'passphrase', 'secret'];
const SECRET_ENDINGS = [
  'token',
  'tokens',
  'key',
  'keys',
  'pin',
  'pass',
  'pwd',
  'credentials',
  'signature',
];
const NOT_SECRET = new Set([
  'publickey',
  'publickeys',
  'keyname',
  'keyid',
  'tokenurl',
  'tokentype',
  'spin',
]);

/** `password`, `api_key`, `clientSecret`, `access-token`, `privateKey` → true; `username` → false. */
export function isSensitiveKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z]/g, '');
  if (normalized === '' || NOT_SECRET.has(normalized)) return false;
  return (
    SECRET_WORDS.some((word) => normalized.includes(word)) ||
    SECRET_ENDINGS.some((ending) => normalized.endsWith(ending))
  );
}

export interface SensitiveValue {
  path: JsonPath;
  value: string | number;
}

/** Every sensitive leaf of a body, in document order. */
export function sensitiveValues(body: unknown, schemaSays: SchemaSensitivity): SensitiveValue[] {
  const found: SensitiveValue[] = [];
  const walk = (value: unknown, path: (string | number)[], sensitive: boolean): void => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        walk(item, [...path, i], sensitive || schemaSays([...path, i]));
      }
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        const innerPath = [...path, key];
        walk(inner, innerPath, sensitive || isSensitiveKey(key) || schemaSays(innerPath));
      }
      return;
    }
    if (!sensitive) return;
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') {
      found.push({ path, value });
    }
  };
  walk(body, [], false);
  return found;
}

/** A copy of the body with every sensitive value replaced by {@link MASK}. */
export function maskBody(
  body: Record<string, unknown>,
  schemaSays: SchemaSensitivity,
): Record<string, unknown> {
  const copy = structuredClone(body);
  for (const { path } of sensitiveValues(body, schemaSays)) setAt(copy, path, MASK);
  return copy;
}

/**
 * The body of an update with every sensitive {@link MASK} replaced by the saved value at the same
 * path. Returns the paths that carry the mask where nothing was saved: those are errors (the
 * caller sent back a mask for a value that never existed).
 */
export function restoreMasked(
  incoming: Record<string, unknown>,
  saved: Record<string, unknown>,
  schemaSays: SchemaSensitivity,
): { body: Record<string, unknown>; unknownMasks: JsonPath[] } {
  const body = structuredClone(incoming);
  const unknownMasks: JsonPath[] = [];
  for (const { path, value } of sensitiveValues(incoming, schemaSays)) {
    if (value !== MASK) continue;
    const previous = getAt(saved, path);
    if (previous === undefined) unknownMasks.push(path);
    else setAt(body, path, previous);
  }
  return { body, unknownMasks };
}

/** `["auth", "tokens", 0]` → `body.auth.tokens[0]`: how paths are named in error messages. */
export function describePath(path: JsonPath, root = 'body'): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : `${text}.${part}`),
    root,
  );
}

function getAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

function setAt(target: unknown, path: JsonPath, replacement: unknown): void {
  let current = target as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) current = current[part] as Record<string | number, unknown>;
  current[path[path.length - 1]!] = replacement;
}
