// A real OAuth 2.0 / OpenID Connect server for tests: `oidc-provider` on a free port, with the
// clients a test names, accounts it can disable, and its built-in development login and consent
// pages driven over HTTP (`authorize`). Tokens, refresh and revocation are the real thing.
//
// Pitfalls (../shared/services.md): a refresh token is only issued with `offline_access` and
// `prompt=consent`; refresh tokens of confidential clients are not rotated.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';

const API_RESOURCE = 'urn:lightning-test:api';
const API_SCOPES = ['https://www.googleapis.com/auth/spreadsheets', 'api', 'refresh_token'];

export interface TestAccount {
  email: string;
  emailVerified?: boolean;
  givenName?: string;
  familyName?: string;
  /** A disabled account is unknown to the provider: it cannot sign in or use its grants. */
  disabled?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  provider: Provider;
  /** Accounts by login (the subject): add, change or disable them at any time. */
  accounts: Map<string, TestAccount>;
  /** Successful token requests by grant type (`authorization_code`, `refresh_token`). */
  grants: Record<string, number>;
  /**
   * Follows an authorization URL through the login (as `login`) and consent pages like a browser,
   * and returns the URL the provider finally redirects to (the client's redirect_uri with code and
   * state, or with an error).
   */
  authorize(authorizationUrl: string | URL, login: string): Promise<URL>;
  close(): Promise<void>;
}

export interface TestOidcProviderOptions {
  clients: ClientMetadata[];
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
  /** Extra fields added to every token response (Salesforce's `instance_url`, …). */
  tokenResponseExtras?: Record<string, string>;
}

export async function startTestOidcProvider(
  options: TestOidcProviderOptions,
): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  const grants: Record<string, number> = {};

  const provider = new Provider(issuer, {
    clients: options.clients,
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: {
      revocation: { enabled: true },
      devInteractions: { enabled: true },
      // Scopes such as Google's spreadsheets or Salesforce's `api` are API scopes, which
      // oidc-provider grants only for a resource server: one default resource stands for the APIs.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: API_SCOPES.join(' '),
          accessTokenFormat: 'opaque',
          accessTokenTTL: options.accessTokenTtl ?? 3600,
        }),
      },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name'],
    },
    scopes: [
      'openid',
      'offline_access',
      'email',
      'profile',
      'spreadsheets',
      'api',
      'refresh_token',
    ],
    // Google issues a refresh token for `access_type=offline`, Salesforce for its `refresh_token`
    // scope, neither needs `offline_access`: a client allowed the refresh grant always gets one.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      Grant: 3600,
      Session: 3600,
      Interaction: 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 86400,
    },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account || account.disabled) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email: account.email,
          email_verified: account.emailVerified ?? true,
          given_name: account.givenName,
          family_name: account.familyName,
        }),
      };
    },
  });
  provider.on('grant.success', (ctx) => {
    const type = String((ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type);
    grants[type] = (grants[type] ?? 0) + 1;
  });
  if (options.tokenResponseExtras) {
    const extras = options.tokenResponseExtras;
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/token' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
        Object.assign(ctx.body as object, extras);
      }
    });
  }
  // Like a real provider's login page, the development one refuses a disabled account (by itself
  // it accepts any login and fails later with a 500).
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path.startsWith('/interaction/')) {
      const text = await readText(ctx.req);
      // Handed on as the parsed body (oidc-provider warns once that it found one).
      (ctx.req as unknown as { body: string }).body = text;
      const form = new URLSearchParams(text);
      const login = form.get('login');
      if (form.get('prompt') === 'login' && login && accounts.get(login)?.disabled) {
        ctx.status = 403;
        ctx.body = 'This account is disabled';
        return;
      }
    }
    await next();
  });
  server.on('request', provider.callback());

  async function authorize(authorizationUrl: string | URL, login: string): Promise<URL> {
    // One browser: a cookie jar for the provider's own cookies.
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const remember = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
      }
    };
    let url = new URL(authorizationUrl);
    let form: URLSearchParams | undefined;
    for (let hops = 0; hops < 20; hops++) {
      const response = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: cookieHeader(),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: form?.toString(),
      });
      remember(response);
      form = undefined;
      const location = response.headers.get('location');
      if (location) {
        const next = new URL(location, url);
        if (next.origin !== issuer) return next;
        url = next;
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) {
        throw new Error(
          `The provider answered ${response.status} at ${url.pathname}: ${html.slice(0, 300)}`,
        );
      }
      // The development interaction pages: a login form, then a consent form, both posting back.
      if (html.includes('name="prompt" value="login"')) {
        form = new URLSearchParams({ prompt: 'login', login, password: 'any' });
      } else if (html.includes('name="prompt" value="consent"')) {
        form = new URLSearchParams({ prompt: 'consent' });
      } else {
        throw new Error(`Unexpected provider page at ${url.pathname}: ${html.slice(0, 300)}`);
      }
    }
    throw new Error('Too many redirects at the provider');
  }

  return {
    issuer,
    provider,
    accounts,
    grants,
    authorize,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readText(request: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk.toString();
  return text;
}
