// Property-based fuzzing of every route the server registers (issue 14): generated paths, path
// parameters, query strings, headers and bodies, sent over real HTTP as an anonymous caller, a
// signed-in user (session cookie) and a bearer token, must never be answered 5xx nor bring the
// server down. A client mistake is a 4xx.
//
// The budget is a number of runs, not a time: FUZZ_RUNS_PER_ROUTE per route (default 25) and
// FUZZ_RUNS_RAW raw requests (default 200). The seed is pinned so `npm test` is repeatable; on a
// failure fast-check prints the seed and the path of the shrunk case: replay it with
// `FUZZ_SEED=<seed> npx vitest run packages/server/src/http/fuzz.test.ts`, or explore other
// inputs with another seed.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { hashPassword } from '../accounts/passwords.js';
import { schema } from '../db/index.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { type RegisteredRoute, registeredRoutes } from './route-list.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 25);
const RUNS_RAW = Number(process.env.FUZZ_RUNS_RAW ?? 200);
const PASSWORD = 'fuzzing password 0123';

let server: TestServer;
let cookieUser: TestUser;
let bearerUser: TestUser;
let sessionCookie: string;
/** Ids of real rows, so generated requests reach past the "not found" checks. */
let knownIds: string[];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface FuzzAnswer {
  status: number;
  body: string;
}

function send(request: FuzzRequest): Promise<FuzzAnswer> {
  const url = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        // A connection per request: a refused upload's connection is closed by the server, and a
        // kept-alive socket reused in that moment would fail the client, not the server.
        agent: false,
        headers: {
          ...request.headers,
          ...(request.body ? { 'content-length': String(request.body.length) } : {}),
        },
        timeout: 20_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 20 s')));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

beforeAll(async () => {
  // Errors only: quiet while all is well, and the cause of a 500 is printed beside the failure.
  server = await startTestServer({ LOG_LEVEL: 'error' });
  const { db } = server.database;
  const fixture = await createWorkflowFixture(db);
  const run = await enqueueRun(db, fixture);
  cookieUser = await createTestUser(db, { projects: { [fixture.projectId]: 'owner' } });
  bearerUser = await createTestUser(db, { superuser: true });
  await db
    .update(schema.users)
    .set({ hashedPassword: await hashPassword(PASSWORD) })
    .where(eq(schema.users.id, cookieUser.id));
  const signIn = await fetch(`${server.baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: cookieUser.email, password: PASSWORD }),
  });
  expect(signIn.status).toBeLessThan(300);
  sessionCookie = signIn.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
  expect(sessionCookie).not.toBe('');
  knownIds = [
    fixture.projectId,
    fixture.workflowId,
    fixture.snapshotId,
    fixture.triggerId,
    ...fixture.jobIds,
    run.workOrderId,
    run.runId,
    run.dataclipId,
    cookieUser.id,
    bearerUser.id,
  ];
});

afterAll(async () => {
  await server?.close();
});

// ---- generators -------------------------------------------------------------------------------

/** Any UTF-16 code unit, with the ones storage trips on (NUL, lone surrogates) made common. */
const anyCodeUnit = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udc00', '\u001f', '\uffff') },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);
const wildString = fc.oneof(
  fc.string(),
  fc.string({ unit: anyCodeUnit, maxLength: 12 }),
  fc.string({ unit: anyCodeUnit, maxLength: 40 }),
  fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', '\udfff', '😀', ' ', '../..', '%00', 'null'),
  fc.constantFrom('x'.repeat(300), '9'.repeat(40), '-1', '1e400', 'true', '__proto__'),
);

/** Nested far beyond what anything stores, as text (a generated value this deep would be slow). */
const deepJson = fc
  .constantFrom(600, 5_000, 20_000)
  .map((levels) => `{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`);

const FIELD_NAMES = [
  'name',
  'email',
  'password',
  'current_password',
  'new_password',
  'token',
  'code',
  'first_name',
  'last_name',
  'body',
  'adaptor',
  'project_id',
  'workflow_id',
  'job_id',
  'trigger_id',
  'jobs',
  'triggers',
  'edges',
  'id',
  'role',
  'user_id',
  'schema',
  'auth_type',
  'username',
  'api_key',
  'expires_at',
  'input',
  'dataclip_id',
  'step_id',
  'run_ids',
  'work_order_ids',
  'custom_path',
  'cron_expression',
  'enabled',
  'concurrency',
  'description',
  'retention_policy',
  'history_retention_period',
  'credential_id',
  'project_ids',
  'lock_version',
  'webhook_reply',
  'disabled',
  'preferences',
  '__proto__',
  'constructor',
];

const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  wildString,
  fc.constantFrom(...knownIdsLater()),
  fc.uuid().map(String),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(wildString, { maxLength: 3 }),
);

/** A placeholder replaced by a real id when the request is built (ids exist only after setup). */
function knownIdsLater(): string[] {
  return Array.from({ length: 11 }, (_, index) => `<known-id-${index}>`);
}

function withKnownIds(text: string): string {
  return text.replace(/<known-id-(\d+)>/g, (_, index) => knownIds[Number(index)] ?? randomUUID());
}

const shapedObject = fc.dictionary(fc.constantFrom(...FIELD_NAMES), fieldValue, { maxKeys: 6 });

const bodyText = fc.oneof(
  { weight: 4, arbitrary: shapedObject.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: wildString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"a":"\\u0000"}',
      '{"\\u0000":1}',
      '{"name":"\\ud800"}',
      '{"__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{',
      '[]',
      'null',
      'a=1&a=2&b=%00',
      'name: x\n__proto__:\n  polluted: true\n',
    ),
  },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/yaml',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'application/json; charset=latin1',
  '',
);

/** Percent-encodes the UTF-8 bytes of any string (a lone surrogate becomes U+FFFD's bytes). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a)
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

const RAW_PIECES = ['%00', '%ED%A0%80', '%C0%80', '%FF', '%', '%zz', '..', '%2e%2e', '%2F', ';x'];

const pathValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...knownIdsLater()) },
  { weight: 2, arbitrary: fc.uuid().map(String) },
  { weight: 3, arbitrary: wildString.map(percentEncode) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_PIECES) },
);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...FIELD_NAMES, 'page', 'page_size', 'limit', 'cursor', 'since', 'q'),
          wildString,
        ),
        wildString,
      ),
      {
        maxLength: 4,
      },
    )
    .map((pairs) =>
      pairs.map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&'),
    ),
  fc.constantFrom(
    'a=%00',
    'page=-1',
    'page_size=1e9',
    'a[b]=1',
    '__proto__[x]=1',
    'x=%ED%A0%80',
    '%',
  ),
);

/** Header values a client can put on the wire (visible ASCII and spaces). */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});

const extraHeaders = fc.record(
  {
    'x-api-key': headerText,
    'idempotency-key': headerText,
    accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/yaml'),
    'content-encoding': fc.constantFrom('gzip', 'br', 'identity'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not an address', '::1, 10.0.0.1'),
  },
  { requiredKeys: [] },
);

type Caller = 'anonymous' | 'cookie' | 'bearer' | 'bad-bearer';
const caller = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Caller>('cookie') },
  { weight: 3, arbitrary: fc.constant<Caller>('bearer') },
  { weight: 1, arbitrary: fc.constant<Caller>('anonymous') },
  { weight: 1, arbitrary: fc.constant<Caller>('bad-bearer') },
);
/** Mostly none (a browser's same-origin call), sometimes a foreign one. */
const origin = fc.option(fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1'), {
  freq: 6,
});

function callerHeaders(who: Caller): Record<string, string> {
  switch (who) {
    case 'cookie':
      return { cookie: sessionCookie };
    case 'bearer':
      return bearerUser.headers;
    case 'bad-bearer':
      return { authorization: 'Bearer not.a.token' };
    default:
      return {};
  }
}

const requestParts = fc.record({
  params: fc.array(pathValue, { minLength: 4, maxLength: 4 }),
  wildcard: fc.array(pathValue, { maxLength: 3 }),
  query: queryString,
  who: caller,
  headers: extraHeaders,
  origin,
  contentType,
  body: fc.option(bodyText, { freq: 4 }),
});

type Parts = typeof requestParts extends fc.Arbitrary<infer T> ? T : never;

function buildRequest(route: RegisteredRoute, parts: Parts): FuzzRequest {
  let index = 0;
  const path = route.url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return withKnownIds(parts.params[index++ % 4]!);
      if (segment === '*') {
        const [first, ...rest] = parts.wildcard;
        // Webhooks: the first segment is a trigger id (or not) and the rest a free sub-path.
        return [withKnownIds(first ?? knownIdsLater()[3]!), ...rest.map(withKnownIds)].join('/');
      }
      return segment;
    })
    .join('/')
    .replace(/^(?!\/)/, '/');
  const headers: Record<string, string> = { ...callerHeaders(parts.who) };
  for (const [name, value] of Object.entries(parts.headers)) headers[name] = value;
  if (parts.origin !== null) headers.origin = parts.origin;
  const hasBody = parts.body !== null && !['GET', 'HEAD'].includes(route.method);
  if (hasBody && parts.contentType) headers['content-type'] = parts.contentType;
  return {
    method: route.method,
    path: parts.query ? `${path}?${parts.query}` : path,
    headers,
    body: hasBody ? Buffer.from(withKnownIds(parts.body!), 'utf8') : undefined,
  };
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body?.toString('utf8') ?? '';
  return `${request.method} ${request.path} ${JSON.stringify(request.headers)} ${JSON.stringify(body.length > 300 ? `${body.slice(0, 300)}…` : body)}`;
}

async function expectNo5xx(request: FuzzRequest): Promise<void> {
  let answer: FuzzAnswer;
  try {
    answer = await send(request);
  } catch (error) {
    throw new Error(`no answer (${(error as Error).message}) for ${describeRequest(request)}`);
  }
  if (answer.status >= 500) {
    throw new Error(
      `${answer.status} ${answer.body.slice(0, 200)} for ${describeRequest(request)}`,
    );
  }
}

// ---- properties -------------------------------------------------------------------------------

/** Every route, once per method; the static files of the web app collapse to one route. */
function routesUnderTest(): RegisteredRoute[] {
  const routes = registeredRoutes(server.app).filter(
    (route) => route.method !== 'HEAD' && !route.url.startsWith('/assets/'),
  );
  // Routes that end a session or delete the shared fixture go last, so they cannot hollow out
  // the runs of the others.
  const last = (route: RegisteredRoute) =>
    route.method === 'DELETE' || route.url === '/api/me/password' ? 1 : 0;
  return [...routes].sort((a, b) => last(a) - last(b));
}

describe('fuzzing every route', () => {
  it('answers no generated request with a 5xx, on any route, as any caller', async () => {
    const routes = routesUnderTest();
    expect(routes.length).toBeGreaterThan(50);
    for (const [index, route] of routes.entries()) {
      // A seed per route (derived from the pinned one), so routes do not all get the same cases.
      await fc.assert(
        fc.asyncProperty(requestParts, (parts) => expectNo5xx(buildRequest(route, parts))),
        { seed: SEED + index, numRuns: RUNS_PER_ROUTE },
      );
    }
  });

  it('answers no generated path or raw request with a 5xx', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');
    const prefix = fc.constantFrom('/api/', '/api/projects/', '/i/', '/', '/api/runs/', '/assets/');
    const segments = fc.array(pathValue, { minLength: 0, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(method, prefix, segments, requestParts, async (verb, start, rest, parts) => {
        const request = buildRequest({ method: verb, url: '/' }, parts);
        request.path = `${start}${rest.map(withKnownIds).join('/')}${parts.query ? `?${parts.query}` : ''}`;
        await expectNo5xx(request);
      }),
      { seed: SEED, numRuns: RUNS_RAW },
    );
  });

  it('is still up and answering afterwards', async () => {
    const health = await send({ method: 'GET', path: '/health', headers: {} });
    expect(health.status).toBe(200);
  });
});
