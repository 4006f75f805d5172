// Personal access tokens through a real server: created once in clear, listed without their text,
// usable as `Authorization: Bearer`, revoked for good, stored only as a hash, audited.
import { createHash, createPublicKey } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../audit/index.js';
import { queryRows } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { findPlaintextSecrets } from '../test-support/secret-scan.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createApiToken, listApiTokens } from './api-tokens.js';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await createTestUser(server.testDatabase.db);
  bob = await createTestUser(server.testDatabase.db);
});
afterAll(async () => {
  await server?.close();
});

async function call(method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function createToken(owner: TestUser, name: string): Promise<{ id: string; token: string }> {
  const created = await call('POST', '/api/tokens', owner.token, { name });
  expect(created.status).toBe(201);
  return created.body.data;
}

describe('personal access tokens', () => {
  it('are shown once at creation, listed without their text, and work as Bearer tokens', async () => {
    const created = await call('POST', '/api/tokens', alice.token, { name: '  CI deploys ' });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({
      id: expect.any(String),
      name: 'CI deploys',
      token: expect.any(String),
      inserted_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const { id, token } = created.body.data;

    const listed = await call('GET', '/api/tokens', token);
    expect(listed.status).toBe(200);
    const mine = listed.body.data.find((t: { id: string }) => t.id === id);
    expect(mine).toEqual({
      id,
      name: 'CI deploys',
      inserted_at: created.body.data.inserted_at,
      // The list call itself used the token.
      last_used_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    // Only the caller's own tokens.
    const ids = listed.body.data.map((t: { id: string }) => t.id);
    const bobs = await createToken(bob, 'bob');
    expect(
      (await call('GET', '/api/tokens', alice.token)).body.data.map((t: { id: string }) => t.id),
    ).not.toContain(bobs.id);
    expect(ids).toHaveLength(2);
  });

  it('stop working once revoked (401), and revoking twice is 404', async () => {
    const { id, token } = await createToken(alice, 'short-lived');
    expect((await call('GET', '/api/tokens', token)).status).toBe(200);
    const revoked = await call('DELETE', `/api/tokens/${id}`, alice.token);
    expect(revoked).toEqual({ status: 204, body: null });
    expect(await call('GET', '/api/tokens', token)).toEqual({
      status: 401,
      body: { error: 'Unauthorized' },
    });
    expect((await call('DELETE', `/api/tokens/${id}`, alice.token)).status).toBe(404);
  });

  it("answers 404 for someone else's token and leaves it working", async () => {
    const { id, token } = await createToken(bob, 'not yours');
    const attempt = await call('DELETE', `/api/tokens/${id}`, alice.token);
    expect(attempt.status).toBe(404);
    expect((await call('GET', '/api/tokens', token)).status).toBe(200);
    expect((await call('DELETE', '/api/tokens/not-a-uuid', alice.token)).status).toBe(404);
  });

  it('refuse a blank or missing name with 422 naming the field, and anonymous callers with 401', async () => {
    for (const body of [{ name: '   ' }, {}, { name: 42 }]) {
      const response = await call('POST', '/api/tokens', alice.token, body);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual({ name: [expect.any(String)] });
    }
    expect((await call('POST', '/api/tokens', undefined, { name: 'x' })).status).toBe(401);
    expect((await call('GET', '/api/tokens')).status).toBe(401);
  });

  it('are JWTs shaped like Lightning’s: RS256 with the runs key, jti/iss/sub/iat and no exp', async () => {
    const { token } = await createToken(alice, 'shape');
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const publicKey = createPublicKey(server.config.workers.runsPrivateKeyPem!);
    const { payload } = await jwtVerify(token, publicKey, { issuer: 'Lightning' });
    expect(Object.keys(payload).sort()).toEqual(['iat', 'iss', 'jti', 'sub']);
    expect(payload.sub).toBe(`user:${alice.id}`);
    expect(payload.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('cannot be issued without WORKER_RUNS_PRIVATE_KEY: 503 naming it, nothing stored', async () => {
    const { db } = server.testDatabase;
    const before = await listApiTokens(db, alice.id);
    const noKey = { workers: { ...server.config.workers, runsPrivateKeyPem: undefined } };
    await expect(
      createApiToken(db, noKey, { userId: alice.id, name: 'unsigned' }),
    ).rejects.toMatchObject({
      statusCode: 503,
      message: expect.stringContaining('WORKER_RUNS_PRIVATE_KEY'),
    });
    expect(await listApiTokens(db, alice.id)).toEqual(before);
  });

  it('are stored only as their SHA-256', async () => {
    const { id, token } = await createToken(alice, 'hashed');
    const rows = await queryRows<{ row: string; hash: string }>(
      server.testDatabase.db,
      sql`SELECT row_to_json(t)::text AS row, encode(t.token_hash, 'hex') AS hash
          FROM user_tokens t WHERE t.id = ${id}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash).toBe(createHash('sha256').update(token).digest('hex'));
    // A raw scan of every table finds neither the token nor its signature in plaintext.
    const tables = await queryRows<{ tablename: string }>(
      server.testDatabase.db,
      sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    const scan = await findPlaintextSecrets(
      server.testDatabase.db,
      tables.map((t) => t.tablename),
      [token, token.split('.')[2]!],
    );
    expect(scan.valuesScanned).toBeGreaterThan(0);
    expect(scan.hits).toEqual([]);
  });

  it('are audited when created and revoked, with the actor and the token name', async () => {
    const { id } = await createToken(bob, 'audited');
    await call('DELETE', `/api/tokens/${id}`, bob.token);
    const { data } = await listAuditEvents(server.testDatabase.db, { scope: 'all', limit: 200 });
    const forToken = data.filter((event) => event.itemId === id);
    expect(forToken.map((event) => event.event)).toEqual(['revoked', 'created']);
    for (const event of forToken) {
      expect(event).toMatchObject({
        itemType: 'api_token',
        actorId: bob.id,
        actorType: 'user',
        actorEmail: bob.email,
        projectId: null,
        changes: { user_id: bob.id, name: 'audited' },
      });
    }
  });
});
