// A minimal cookie-keeping HTTP client for tests that sign in the way the web app does: it stores
// the cookies the server sets (session, MFA challenge) and sends them back, like a browser would.

/** Response bodies are read loosely in tests (`body.data.user.email`). */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on the parsed JSON directly
type Json = any;

export interface BrowserResponse<T = Json> {
  status: number;
  body: T;
  headers: Headers;
  /** The raw `Set-Cookie` headers of this response. */
  setCookies: string[];
}

export class Browser {
  readonly cookies = new Map<string, string>();
  /** Every cookie value the server ever set here (URL-decoded), e.g. to scan storage for them. */
  readonly seenCookieValues: string[] = [];

  constructor(readonly baseUrl: string) {}

  async request<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    options: { redirect?: 'follow' | 'manual' } = {},
  ): Promise<BrowserResponse<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: options.redirect ?? 'follow',
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
      );
      if (expired || value === '') {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
        this.seenCookieValues.push(decodeURIComponent(value));
      }
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers, setCookies };
  }

  /** The secrets inside the signed cookies seen: the token before the `.signature`. */
  get seenTokens(): string[] {
    return this.seenCookieValues.map((value) =>
      value.includes('.') ? value.slice(0, value.lastIndexOf('.')) : value,
    );
  }

  get = <T = Json>(path: string) => this.request<T>('GET', path);
  /** A GET that stops at a redirect (its target is in `headers.get('location')`), as a page load. */
  visit = (path: string) => this.request('GET', path, undefined, { redirect: 'manual' });
  post = <T = Json>(path: string, body: unknown = {}) => this.request<T>('POST', path, body);
  patch = <T = Json>(path: string, body: unknown = {}) => this.request<T>('PATCH', path, body);
  delete = <T = Json>(path: string, body?: unknown) => this.request<T>('DELETE', path, body);
}
