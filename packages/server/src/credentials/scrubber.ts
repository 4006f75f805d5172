// The log scrubber: replaces the sensitive values of a run's credentials by `***` in what the run
// stores (log lines, dataclips, error messages). Built once per run from the values and the ways a
// job commonly re-encodes them, compiled into a single regular expression.
//
// Each value is looked for as itself and as: its JSON-escaped form (how it appears inside
// JSON.stringify output), base64 (with and without padding) and base64url, encodeURIComponent
// and form encoding (spaces as `+`). For username/password pairs, base64 of `user:pass` is added
// too (an HTTP Basic `Authorization` header). Values shorter than MIN_SCRUBBED_LENGTH characters
// are left alone: "ab" or "1" would blank out unrelated text everywhere, and hide nothing.
// A secret spliced into a longer string and then encoded as a whole (base64 of "x" + secret) is
// not recognisable and is not scrubbed.

export const SCRUBBED = '***';
export const MIN_SCRUBBED_LENGTH = 4;

export interface Scrubber {
  /** True when there is nothing to scrub (no credentials, or only short values). */
  readonly isEmpty: boolean;
  scrubText(text: string): string;
  /** Scrubs the strings (and keys) of a JSON text; returns valid JSON text. */
  scrubJsonText(json: string): string;
  scrubValue<T>(value: T): T;
}

export interface ScrubberInput {
  values: readonly (string | number)[];
  /** Username/password pairs whose `user:pass` base64 should be scrubbed too. */
  pairs?: readonly { username: string; password: string }[];
}

export function createScrubber({ values, pairs = [] }: ScrubberInput): Scrubber {
  const forms = new Set<string>();
  for (const raw of values) {
    const value = String(raw);
    if (value.length < MIN_SCRUBBED_LENGTH) continue;
    for (const form of encodings(value)) {
      if (form.length >= MIN_SCRUBBED_LENGTH) forms.add(form);
    }
  }
  for (const { username, password } of pairs) {
    if (password.length < MIN_SCRUBBED_LENGTH) continue;
    const basic = Buffer.from(`${username}:${password}`, 'utf8');
    forms.add(basic.toString('base64'));
    forms.add(basic.toString('base64').replace(/=+$/, ''));
  }
  if (forms.size === 0) return EMPTY;

  // Longest first, so a value that contains another is replaced whole.
  const pattern = new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  const scrubText = (text: string): string => text.replace(pattern, SCRUBBED);
  const matches = (text: string): boolean => {
    pattern.lastIndex = 0;
    const found = pattern.test(text);
    pattern.lastIndex = 0;
    return found;
  };
  const scrubValue = <T>(value: T): T => deepScrub(value, scrubText) as T;

  return {
    isEmpty: false,
    scrubText,
    scrubValue,
    scrubJsonText(json) {
      // Replacing inside the JSON text could cut an escape sequence in half; instead parse and
      // scrub the strings, but only when a form occurs at all (most dataclips hold none).
      if (!matches(json)) return json;
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        // Not JSON: the database refuses it anyway, but never with the secret in the error.
        return scrubText(json);
      }
      return JSON.stringify(scrubValue(parsed));
    },
  };
}

const EMPTY: Scrubber = {
  isEmpty: true,
  scrubText: (text) => text,
  scrubJsonText: (json) => json,
  scrubValue: (value) => value,
};

function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64');
  const uriComponent = encodeURIComponent(value);
  return [
    value,
    JSON.stringify(value).slice(1, -1),
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    uriComponent,
    uriComponent.replace(/%20/g, '+'),
    encodeURI(value),
    // Lower-case percent escapes, as some encoders write them.
    uriComponent.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  ];
}

function deepScrub(value: unknown, scrubText: (text: string) => string): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'number') {
    // A numeric secret (a PIN) stays a number unless it matches; then it becomes the mask.
    const text = String(value);
    const scrubbed = scrubText(text);
    return scrubbed === text ? value : scrubbed;
  }
  if (Array.isArray(value)) return value.map((item) => deepScrub(item, scrubText));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [scrubText(key), deepScrub(inner, scrubText)]),
    );
  }
  return value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
