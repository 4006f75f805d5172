// `lightning create-user`, spawned against an instance's data directory (embedded PGlite), as an
// operator scripting a set-up would run it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accounts, config as serverConfig, db as serverDb } from '@lightning/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../test-support/env.js';
import { runCli } from '../test-support/run-cli.js';

const PASSWORD = 'violet-Kettle-38-drums';
let dataDir: string;
const env = () => processEnv({ LIGHTNING_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });

async function users() {
  const { config } = serverConfig.loadConfig({ LIGHTNING_DATA_DIR: dataDir });
  const database = await serverDb.openDatabase(config);
  try {
    return await database.db.select().from(serverDb.schema.users);
  } finally {
    await database.close();
  }
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-create-user-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('lightning create-user', () => {
  it('creates a confirmed superuser with a hashed password', async () => {
    const { code, stdout, stderr } = await runCli(
      [
        'create-user',
        '--email',
        'Ops@Example.com',
        '--password',
        PASSWORD,
        '--first-name',
        'Olga',
        '--last-name',
        'Ops',
        '--superuser',
      ],
      env(),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Created superuser ops@example\.com \(id [0-9a-f-]{36}\)\n$/);
    expect(stdout).not.toContain(PASSWORD);

    const [user] = await users();
    expect(user).toMatchObject({
      email: 'ops@example.com',
      firstName: 'Olga',
      lastName: 'Ops',
      role: 'superuser',
    });
    expect(user!.confirmedAt).not.toBeNull();
    expect(user!.hashedPassword).toMatch(/^\$argon2id\$/);
    expect(await accounts.verifyPassword(user!.hashedPassword, PASSWORD)).toBe(true);
  });

  it('exits 1 naming the option for a taken email, a bad email or a weak password', async () => {
    const taken = await runCli(
      ['create-user', '--email', 'OPS@example.com', '--password', PASSWORD],
      env(),
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/--email has already been taken/);

    const weak = await runCli(
      ['create-user', '--email', 'dev@example.com', '--password', 'password123'],
      env(),
    );
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/--password should be at least 12 characters long/);
    expect(weak.stderr).not.toContain('password123');

    const badEmail = await runCli(
      ['create-user', '--email', 'not an email', '--password', PASSWORD],
      env(),
    );
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toMatch(/--email must have the @ sign and no spaces/);

    const missing = await runCli(['create-user', '--email', 'dev@example.com'], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--password/);

    for (const result of [taken, weak, badEmail, missing]) {
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await users()).map((u) => u.email)).toEqual(['ops@example.com']);
  });
});
