// SENTRY_DSN: an unexpected server error reaches a local stand-in for Sentry as the real SDK's
// envelope, with the release, the environment and the failing route, and without the request's
// body, headers, query string or the secrets in them.
import { sql } from 'drizzle-orm';
import { createWorkflowFixture } from '../runs/test-fixtures.js';
import { type SentryStandIn, startSentryStandIn } from '../test-support/sentry-stand-in.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { RELEASE } from './error-reporter.js';

let sentry: SentryStandIn;
let server: TestServer;

beforeAll(async () => {
  sentry = await startSentryStandIn();
  server = await startTestServer({ SENTRY_DSN: sentry.dsn });
});
afterAll(async () => {
  await server?.close();
  await sentry?.close();
});

it('sends an unexpected error with release, environment and route, and no request data', async () => {
  const { triggerId } = await createWorkflowFixture(server.database.db);
  // Storing the webhook's body fails in a way no retry helps: the table is missing.
  await server.database.db.execute(sql`ALTER TABLE dataclips RENAME TO dataclips_away`);
  let status: number;
  try {
    const response = await fetch(`${server.baseUrl}/i/${triggerId}?api_key=SECRET-IN-QUERY`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer SECRET-IN-HEADER',
        cookie: 'lightning_session=SECRET-IN-COOKIE',
      },
      body: JSON.stringify({ patient: 'SECRET-IN-BODY', password: 'hunter2-SECRET' }),
    });
    status = response.status;
    expect(await response.json()).toEqual({ error: 'Internal server error' });
  } finally {
    await server.database.db.execute(sql`ALTER TABLE dataclips_away RENAME TO dataclips`);
  }
  expect(status).toBe(500);

  const { event, envelope } = await sentry.nextEvent();
  expect(sentry.refused).toEqual([]);
  expect(event).toMatchObject({
    level: 'error',
    platform: 'node',
    release: RELEASE,
    environment: 'development',
    tags: {
      component: 'server',
      route: '/i/*',
      method: 'POST',
      log_message: 'unhandled error',
    },
  });
  expect(RELEASE).toMatch(/^lightning@\d+\.\d+\.\d+/);
  const exception = (event.exception as { values: Array<Record<string, unknown>> }).values.at(-1)!;
  // A database error goes as its summary (statement, SQLSTATE), never with the query's values.
  expect(exception.type).toBe('DatabaseError');
  expect(exception.value).toBe('insert into dataclips: 42P01');
  expect((exception.stacktrace as { frames: unknown[] }).frames.length).toBeGreaterThan(0);
  // Nothing of the request but its route: no body, headers, cookies, query, user or breadcrumbs.
  expect(event.request).toBeUndefined();
  expect(event.user).toBeUndefined();
  expect(event.breadcrumbs).toBeUndefined();
  for (const secret of [
    'SECRET-IN-QUERY',
    'SECRET-IN-HEADER',
    'SECRET-IN-COOKIE',
    'SECRET-IN-BODY',
    'hunter2',
    triggerId,
  ]) {
    expect(envelope.raw).not.toContain(secret);
  }
  // The envelope header names the SDK and the event, as Sentry's ingestion expects.
  expect(envelope.header).toMatchObject({
    event_id: event.event_id,
    sdk: { name: 'sentry.javascript.node' },
  });
});

it('does not report what the client got wrong (4xx)', async () => {
  const before = sentry.envelopes.length;
  expect((await fetch(`${server.baseUrl}/api/projects`)).status).toBe(401);
  expect((await fetch(`${server.baseUrl}/i/not-a-trigger`, { method: 'POST' })).status).toBe(404);
  // A later unexpected error is the next envelope: nothing was sent for the 4xx in between.
  await server.app.log.error({ err: new Error('marker') }, 'marker');
  const { event } = await sentry.nextEvent();
  expect((event.exception as { values: Array<{ value: string }> }).values[0]!.value).toBe('marker');
  expect(sentry.envelopes.length).toBe(before + 1);
});
