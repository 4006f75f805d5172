// Client mistakes that once answered 500 (issue 14): each now gets a 4xx naming the problem, and
// nothing of the refused request is stored.
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/index.js';
import { createWorkflowFixture, enqueueRun, type WorkflowFixture } from '../runs/test-fixtures.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
let fixture: WorkflowFixture;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  fixture = await createWorkflowFixture(server.database.db);
  user = await createTestUser(server.database.db, { projects: { [fixture.projectId]: 'owner' } });
});
afterAll(() => server?.close());

async function send(
  method: string,
  url: string,
  body?: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const response = await fetch(`${server.baseUrl}${url}`, { method, headers, body });
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: response.status, body: (await response.json()) as any };
}

async function storedCounts() {
  const [row] = await queryRows<{ work_orders: number; dataclips: number }>(
    server.database.db,
    sql`SELECT (SELECT count(*)::int FROM work_orders) AS work_orders,
               (SELECT count(*)::int FROM dataclips) AS dataclips`,
  );
  return row;
}

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('webhook bodies that cannot be stored as they are', () => {
  const cases: [string, string, string, string, string][] = [
    ['a NUL in a JSON string', '', '{"a":"x\\u0000y"}', 'application/json', 'body.a'],
    ['a NUL in a JSON key', '', '{"k\\u0000":1}', 'application/json', 'body["k\\u0000"]'],
    ['a lone surrogate in JSON', '', '{"a":["\\ud800"]}', 'application/json', 'body.a[0]'],
    ['a lone low surrogate', '', '{"a":"\\udc00x"}', 'application/json', 'body.a'],
    ['a NUL in a form field', '', 'a=1&b=%00', 'application/x-www-form-urlencoded', 'body.b'],
    ['a NUL in the query string', '?q=%00', '{}', 'application/json', 'query.q'],
    ['a NUL in the sub-path', '/x%00', '{}', 'application/json', 'path'],
  ];
  for (const [name, suffix, body, contentType, field] of cases) {
    it(`refuses ${name} with 400 naming ${field}, storing nothing`, async () => {
      const before = await storedCounts();
      const answer = await send('POST', `/i/${fixture.triggerId}${suffix}`, body, {
        'content-type': contentType,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.field).toBe(field);
      expect(answer.body.error).toMatch(/NUL character|lone Unicode surrogate/);
      expect(await storedCounts()).toEqual(before);
    });
  }

  it('refuses JSON nested 5,000 and 100,000 levels deep with 400, storing nothing', async () => {
    const before = await storedCounts();
    for (const levels of [5_000, 100_000]) {
      const top = await send('POST', `/i/${fixture.triggerId}`, deep(levels));
      expect(top.status).toBe(400);
      expect(top.body.error).toContain('nested more than 512 levels deep');
      const inner = await send('POST', `/i/${fixture.triggerId}`, `{"a":${deep(levels)}}`);
      expect(inner.status).toBe(400);
      expect(inner.body.field).toMatch(/^body\.a\[0\]/);
    }
    expect(await storedCounts()).toEqual(before);
  });

  it('still stores a body nested 500 levels deep, and characters that are only unusual', async () => {
    const nested = await send('POST', `/i/${fixture.triggerId}`, `{"a":${deep(500)}}`);
    expect(nested.status).toBe(200);
    const odd = await send(
      'POST',
      `/i/${fixture.triggerId}`,
      JSON.stringify({ emoji: '😀', control: '\u0001\u001f', pair: '\ud83d\ude00' }),
    );
    expect(odd.status).toBe(200);
  });

  it('answers 404 for the path /i/%00', async () => {
    for (const method of ['GET', 'POST']) {
      const answer = await send(method, '/i/%00', method === 'POST' ? '{}' : undefined);
      expect(answer).toEqual({ status: 404, body: { error: 'Webhook not found' } });
    }
  });
});

describe('a NUL in an email', () => {
  for (const url of ['/api/session', '/api/password_reset', '/api/email_confirmation/resend']) {
    it(`${url} answers 422 naming the email`, async () => {
      const answer = await send(
        'POST',
        url,
        JSON.stringify({ email: `${user.email}\u0000`, password: 'not the password' }),
      );
      expect(answer.status).toBe(422);
      expect(answer.body.errors.email).toEqual([
        'contains a NUL character (\\u0000), which cannot be stored',
      ]);
    });
  }
});

describe('fields named like Object members', () => {
  it('refuses an unknown field called constructor or __proto__ with 400, not 500', async () => {
    const { db } = server.database;
    const run = await enqueueRun(db, fixture);
    for (const body of ['{"constructor":1}', '{"__proto__":{"x":1}}', '{"toString":"x"}']) {
      const answer = await send('POST', `/api/runs/${run.runId}/retry`, body, {
        ...user.headers,
        'content-type': 'application/json',
      });
      // `__proto__` is refused by Fastify's JSON parser; the others by the route, naming the field.
      expect(answer.status, body).toBe(400);
      if (!body.includes('__proto__'))
        expect(Object.keys(answer.body.errors), body).toHaveLength(1);
    }
  });
});

describe('API bodies nested too deep', () => {
  it('refuses a JSON body nested 20,000 levels deep with 400 on any route', async () => {
    for (const [method, url] of [
      ['POST', '/api/provision'],
      ['PATCH', '/api/me'],
      ['POST', '/api/credentials'],
    ] as const) {
      const answer = await send(method, url, `{"name":${deep(20_000)}}`, {
        ...user.headers,
        'content-type': 'application/json',
      });
      expect(answer.status, url).toBe(400);
      expect(answer.body.errors, url).toEqual({ body: ['is nested more than 512 levels deep'] });
    }
  });
});
