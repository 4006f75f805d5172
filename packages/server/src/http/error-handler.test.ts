// The one error handler: a value the database refuses (SQLSTATE class 22/54) is the client's
// mistake and answers 400 with the reason and code; the log line names the operation and code
// and never a query parameter (Drizzle's error message repeats them all).
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { schema } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { installErrorHandler } from './error-handler.js';

const SECRET = 'sk_live_error_handler_0123456789';

let database: TestDatabase;
let app: FastifyInstance;
const logLines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  app = Fastify({ loggerInstance: createLogger('debug', 'test', sink) as FastifyBaseLogger });
  installErrorHandler(app);
  // Routes that pass what they were sent straight to the database, with no validation of their own.
  app.post('/text', async (request) => {
    const { value } = request.body as { value: string };
    await database.db.execute(sql`SELECT ${value}::text AS value`);
    return { ok: true };
  });
  app.post('/project', async (request) => {
    const { name } = request.body as { name: unknown };
    await database.db.insert(schema.projects).values({ name: name as string });
    return { ok: true };
  });
  app.post('/uuid', async (request) => {
    const { id } = request.body as { id: string };
    await database.db.execute(sql`SELECT ${id}::uuid AS id`);
    return { ok: true };
  });
  app.post('/broken', async () => {
    await database.db.execute(sql`SELECT * FROM no_such_table WHERE secret = ${SECRET}`);
    return { ok: true };
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

async function post(url: string, payload: object) {
  const response = await app.inject({ method: 'POST', url, payload });
  return { status: response.statusCode, body: response.json() };
}

describe('database errors in the error handler', () => {
  it('answers 400 with the reason for a NUL in text, and logs no parameter', async () => {
    const answer = await post('/text', { value: `${SECRET}\u0000` });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('NUL');
    expect(answer.body.code).toMatch(/^22/);
    const logged = logLines.join('');
    expect(logged).toContain('database refused a request value');
    expect(logged).not.toContain(SECRET);
  });

  it('answers 400 for a NUL stored through the query builder, naming the operation in the log', async () => {
    logLines.length = 0;
    const answer = await post('/project', { name: `${SECRET}\u0000` });
    expect(answer.status).toBe(400);
    const line = JSON.parse(logLines.find((l) => l.includes('refused'))!);
    expect(line.err).toMatchObject({ type: 'DatabaseError', operation: 'insert into projects' });
    expect(line.err.code).toMatch(/^22/);
    expect(logLines.join('')).not.toContain(SECRET);
  });

  it('answers 400 for a value of the wrong type, without quoting it back in the log', async () => {
    logLines.length = 0;
    const answer = await post('/uuid', { id: SECRET });
    expect(answer).toEqual({
      status: 400,
      body: {
        error:
          'The request contains a value that is not valid for its type (or a lone Unicode surrogate)',
        code: '22P02',
      },
    });
    expect(logLines.join('')).not.toContain(SECRET);
  });

  it('still answers 500 for our own mistakes, and logs the code without the parameters', async () => {
    logLines.length = 0;
    const answer = await post('/broken', {});
    expect(answer).toEqual({ status: 500, body: { error: 'Internal server error' } });
    const line = JSON.parse(logLines.find((l) => l.includes('unhandled error'))!);
    expect(line.err).toMatchObject({ type: 'DatabaseError', code: '42P01' });
    expect(line.err.operation).toBe('select from no_such_table');
    expect(logLines.join('')).not.toContain(SECRET);
  });
});
