// `lightning create-api-token`, spawned against an instance's data directory (embedded PGlite).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { config as serverConfig, db as serverDb } from '@lightning/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../test-support/env.js';
import { runCli } from '../test-support/run-cli.js';

let dataDir: string;
let userId: string;

const env = () => processEnv({ LIGHTNING_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });

/** Opens the instance's embedded database (only while no `lightning` process holds it). */
async function withDatabase<T>(use: (db: serverDb.Database) => Promise<T>): Promise<T> {
  const { config } = serverConfig.loadConfig({ LIGHTNING_DATA_DIR: dataDir });
  const database = await serverDb.openDatabase(config);
  try {
    await serverDb.migrateDatabase(database);
    return await use(database.db);
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-token-cli-'));
  userId = await withDatabase(async (db) => {
    const [user] = await db
      .insert(serverDb.schema.users)
      .values({ firstName: 'Ops', email: 'Ops@Example.com' })
      .returning({ id: serverDb.schema.users.id });
    return user!.id;
  });
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('lightning create-api-token', () => {
  it('prints only a token for the user, signed with the instance key and stored hashed', async () => {
    const { code, stdout, stderr } = await runCli(
      ['create-api-token', '--email', 'ops@example.com', '--name', 'deploy script'],
      env(),
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const token = lines[0]!;

    // The development keys the command used are the instance's (the server signs with the same).
    const { keys } = serverConfig.ensureDevKeys(dataDir);
    const { config } = serverConfig.loadConfig({ ...keys, LIGHTNING_DATA_DIR: dataDir });
    const publicKey = createPublicKey(config.workers.runsPrivateKeyPem!);
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const signed = Buffer.from(`${header}.${claims}`);
    expect(verify('RSA-SHA256', signed, publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
    const payload = JSON.parse(Buffer.from(claims, 'base64url').toString());
    expect(payload).toMatchObject({ iss: 'Lightning', sub: `user:${userId}` });
    expect(payload.exp).toBeUndefined();

    const [rows, audit] = await withDatabase(
      async (db) =>
        [
          await db.select().from(serverDb.schema.userTokens),
          await db.select().from(serverDb.schema.auditEvents),
        ] as const,
    );
    // Audited as the system's doing (nobody signed in ran it).
    expect(audit).toEqual([
      expect.objectContaining({
        event: 'created',
        itemType: 'api_token',
        actorId: null,
        actorType: 'system',
        changes: { user_id: userId, name: 'deploy script' },
      }),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ context: 'api', name: 'deploy script' });
    expect(rows[0]!.tokenHash.toString('hex')).toBe(
      createHash('sha256').update(token).digest('hex'),
    );
  });

  it('exits 1 with a clear message for an unknown email, printing no token', async () => {
    const { code, stdout, stderr } = await runCli(
      ['create-api-token', '--email', 'nobody@example.com'],
      env(),
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('No user has the email nobody@example.com');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('requires --email', async () => {
    const { code, stderr } = await runCli(['create-api-token'], env());
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--email/);
  });
});
