// Which URLs may be OAuth endpoints or issuers: https, or plain http to this machine only (a
// provider on the same host, such as the test suite's). Anything else sent in clear would expose
// client secrets and tokens on the wire.

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why the text is not an acceptable endpoint URL, or undefined when it is. */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return 'must be an https URL (plain http only for 127.0.0.1 or localhost)';
}

/** True for plain-http URLs (allowed by `endpointUrlProblem` only on loopback). */
export function isPlainHttp(value: string | URL): boolean {
  return new URL(value).protocol === 'http:';
}
