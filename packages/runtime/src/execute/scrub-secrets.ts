// Credentials never appear in a log (runtime.md "State"). Outputs lose `configuration` when a
// step ends, but a job can still print a secret, or an adaptor can echo one in an error. So
// while a step runs, every log line it produces has the step credential's secret values
// replaced by `***`, as Lightning's own log scrubber does. Values under keys that name
// non-secret settings (baseUrl, username, ...) stay readable, or every URL in a log would be
// masked.
const NOT_SECRET_KEYS = new Set(
  [
    'baseurl',
    'url',
    'hosturl',
    'host',
    'hostname',
    'port',
    'database',
    'username',
    'user',
    'email',
    'loginurl',
    'instanceurl',
    'apiversion',
    'domain',
    'region',
    'project',
    'projectid',
    'clientid',
  ].map((key) => key.toLowerCase()),
);

/** Shorter values would mask ordinary words and numbers everywhere. */
const MIN_SECRET_LENGTH = 4;

export type Scrubber = (message: unknown[]) => unknown[];

function collectSecrets(value: unknown, key: string, into: Set<string>): void {
  if (NOT_SECRET_KEYS.has(key.toLowerCase())) return;
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    if (text.length >= MIN_SECRET_LENGTH) into.add(text);
  } else if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, key, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, k, into);
  }
}

function scrubValue(value: unknown, secrets: string[]): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const secret of secrets) text = text.split(secret).join('***');
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, secrets)]));
  }
  return value;
}

/** A scrubber for one credential; the identity when there is nothing secret in it. */
export function createScrubber(credential: Record<string, unknown> | undefined): Scrubber {
  if (!credential) return (message) => message;
  const found = new Set<string>();
  collectSecrets(credential, '', found);
  const { username, password } = credential;
  if (typeof username === 'string' && typeof password === 'string') {
    // What a Basic auth header carries.
    found.add(Buffer.from(`${username}:${password}`).toString('base64'));
  }
  // Longest first, so a secret containing another is masked whole.
  const secrets = [...found].sort((a, b) => b.length - a.length);
  if (!secrets.length) return (message) => message;
  return (message) => message.map((part) => scrubValue(part, secrets));
}
