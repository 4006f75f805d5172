import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../accounts/tokens.js';
import { generateDevKeys, loadConfig } from '../config/index.js';
import { createTestUser } from '../test-support/actors.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { installAuthentication, requireActor } from './auth.js';
import type { ServerContext } from './context.js';
import { installErrorHandler } from './error-handler.js';

describe('request.actor', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  const get = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: '/api/test/whoami', headers });

  beforeAll(async () => {
    database = await createTestDatabase();
    const { config } = loadConfig({ ...generateDevKeys(), LIGHTNING_DATA_DIR: '/tmp/unused' });
    app = Fastify();
    installErrorHandler(app);
    await installAuthentication(app, { config, db: database.db } as ServerContext);
    app.get('/api/test/whoami', async (request) => {
      const actor = requireActor(request);
      return { id: actor.user.id, via: actor.via };
    });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('answers 401 {"error":"Unauthorized"} without credentials', async () => {
    const response = await get();
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'Unauthorized' });
  });

  it('knows the owner of a personal access token', async () => {
    const user = await createTestUser(database.db);
    const response = await get(user.headers);
    expect(response.json()).toEqual({ id: user.id, via: 'api_token' });
  });

  it('refuses an unknown bearer token and a session token used as a bearer token', async () => {
    const user = await createTestUser(database.db);
    const session = await issueToken(database.db, user.id, 'session');
    for (const token of ['nonsense', session.token]) {
      const response = await get({ authorization: `Bearer ${token}` });
      expect(response.statusCode).toBe(401);
    }
  });

  it('knows the user of a signed session cookie and ignores a forged one', async () => {
    const user = await createTestUser(database.db);
    const session = await issueToken(database.db, user.id, 'session');
    const signed = app.signCookie(session.token);
    const good = await get({ cookie: `lightning_session=${encodeURIComponent(signed)}` });
    expect(good.json()).toEqual({ id: user.id, via: 'session' });
    const forged = await get({ cookie: `lightning_session=${session.token}.forged` });
    expect(forged.statusCode).toBe(401);
  });
});
