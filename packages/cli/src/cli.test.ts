// The `lightning` command, run as a real process from source (tsx), as an operator would.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { config as serverConfig, db as serverDb, vault as serverVault } from '@lightning/server';
import { processEnv } from './test-support/env.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A clean environment: only what the command needs, so the developer's own variables don't leak in. */
const baseEnv = (dataDir: string, extra: Record<string, string> = {}) =>
  processEnv({ LIGHTNING_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra });

function lightning(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function run(args: string[], env: Record<string, string>) {
  const child = lightning(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-cli-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('lightning gen-encryption-key', () => {
  it('prints a key that PRIMARY_ENCRYPTION_KEY accepts', async () => {
    const { code, stdout } = await run(['gen-encryption-key'], baseEnv(dataDir));
    expect(code).toBe(0);
    const key = stdout.trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const { config } = serverConfig.loadConfig({ PRIMARY_ENCRYPTION_KEY: key });
    expect(config.encryption.primaryKey).toEqual(Buffer.from(key, 'base64'));
  });
});

describe('lightning gen-worker-keys', () => {
  it('prints the three worker variables ready to paste, accepted by the configuration', async () => {
    const { code, stdout } = await run(['gen-worker-keys'], baseEnv(dataDir));
    expect(code).toBe(0);
    const vars = Object.fromEntries(
      [...stdout.matchAll(/^(\w+)="([^"]+)"$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(vars).sort()).toEqual([
      'WORKER_LIGHTNING_PUBLIC_KEY',
      'WORKER_RUNS_PRIVATE_KEY',
      'WORKER_SECRET',
    ]);
    const { config } = serverConfig.loadConfig(vars);
    expect(config.workers.runsPrivateKeyPem).toMatch(/BEGIN PRIVATE KEY/);
    expect(config.workers.lightningPublicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
    expect(Buffer.from(vars.WORKER_SECRET!, 'base64')).toHaveLength(32);
  });
});

describe('bad input', () => {
  it('refuses a 31-byte key with a message naming the variable and no stack trace', async () => {
    const { code, stderr } = await run(
      ['server'],
      baseEnv(dataDir, {
        PRIMARY_ENCRYPTION_KEY: randomBytes(31).toString('base64'),
        PORT: 'eighty',
      }),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /PRIMARY_ENCRYPTION_KEY must be base64 of exactly 32 bytes \(got 31 bytes\)/,
    );
    expect(stderr).toMatch(/PORT must be a port number/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('gives up on an unreachable database after a bounded time, naming the host', async () => {
    const { code, stderr } = await run(
      ['migrate'],
      baseEnv(dataDir, {
        DATABASE_URL: 'postgresql://lightning@127.0.0.1:1/lightning',
        DATABASE_CONNECT_TIMEOUT_SECONDS: '1',
      }),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/Cannot connect to the database at 127\.0\.0\.1:1\/lightning/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown command with usage help', async () => {
    const { code, stderr } = await run(['frobnicate'], baseEnv(dataDir));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('refuses to start a production server without its secrets', async () => {
    const { code, stderr } = await run(['server'], baseEnv(dataDir, { NODE_ENV: 'production' }));
    expect(code).toBe(1);
    for (const name of [
      'DATABASE_URL',
      'PRIMARY_ENCRYPTION_KEY',
      'SECRET_KEY_BASE',
      'WORKER_RUNS_PRIVATE_KEY',
      'WORKER_SECRET',
    ]) {
      expect(stderr).toContain(`${name} is required in production`);
    }
  });
});

describe('lightning start', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('starts an instance with no preparation that answers /health, and stops on SIGTERM', async () => {
    const port = await freePort();
    child = lightning(['start'], baseEnv(dataDir, { PORT: String(port) }));
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    let gone = false;
    const exited = new Promise<number | null>((resolve) =>
      child!.on('exit', (code) => {
        gone = true;
        resolve(code);
      }),
    );

    // Until it answers or exits: how long a start takes depends on the machine, not on the test.
    let health: unknown;
    while (health === undefined && !gone) {
      health = await fetch(`http://127.0.0.1:${port}/health`)
        .then((response) => response.json())
        .catch(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 250)));
    }
    expect(health).toEqual({ status: 'ok', database: 'ok' });
    expect(output).toMatch(/development keys/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a command next to a running instance', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  async function startInstance(port: number) {
    child = lightning(['start'], baseEnv(dataDir, { PORT: String(port) }));
    let gone = false;
    const exited = new Promise<number | null>((resolve) =>
      child!.on('exit', (code) => {
        gone = true;
        resolve(code);
      }),
    );
    // Until it answers or exits: how long a start takes depends on the machine, not on the test.
    let health: unknown;
    while (health === undefined && !gone) {
      health = await fetch(`http://127.0.0.1:${port}/health`)
        .then((response) => response.json())
        .catch(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 250)));
    }
    expect(health).toEqual({ status: 'ok', database: 'ok' });
    return { process: child, exited };
  }

  it("takes effect at once through the instance's socket, and survives a restart", async () => {
    const port = await freePort();
    const first = await startInstance(port);
    const email = 'next@example.com';
    const password = 'violet-Kettle-38-drums';

    const created = await run(
      ['create-user', '--email', email, '--password', password],
      baseEnv(dataDir),
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const minted = await run(['create-api-token', '--email', email], baseEnv(dataDir));
    // It signs tokens, so it reads the (development) keys and says so; nothing else.
    expect(minted.stderr).not.toMatch(/error|\n\s+at /i);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();

    // The running instance sees both without a restart.
    const signIn = await fetch(`http://127.0.0.1:${port}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(signIn.status).toBe(200);
    const projects = await fetch(`http://127.0.0.1:${port}/api/projects`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(projects.status).toBe(200);

    // A second instance on the same directory is refused, naming the first; nothing changes.
    const second = await run(['start'], baseEnv(dataDir, { PORT: String(await freePort()) }));
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`in use by another Lightning process \\(pid ${first.process.pid}, .*start`),
    );
    expect(second.stderr).not.toMatch(/\n\s+at /);

    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await startInstance(port);
    const again = await fetch(`http://127.0.0.1:${port}/api/projects`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(200);
  });
});

describe('lightning rotate-encryption-key', () => {
  it('re-encrypts rows written under the old key so that they decrypt with the new one', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const { config } = serverConfig.loadConfig({ LIGHTNING_DATA_DIR: dataDir });
    let database = await serverDb.openDatabase(config);
    await serverDb.migrateDatabase(database);
    const [user] = await database.db
      .insert(serverDb.schema.users)
      .values({ firstName: 'Ops', email: 'ops@example.com' })
      .returning();
    const old = serverVault.createVault({ primary: oldKey });
    await database.db.insert(serverDb.schema.credentials).values(
      [1, 2, 3].map((i) => ({
        userId: user!.id,
        name: `c${i}`,
        schema: 'raw',
        body: old.encryptJson({ secret: `v${i}` }),
      })),
    );
    await database.close();

    const { code, stdout, stderr } = await run(
      ['rotate-encryption-key', '--batch-size', '2'],
      baseEnv(dataDir, {
        PRIMARY_ENCRYPTION_KEY: newKey.toString('base64'),
        RETIRED_ENCRYPTION_KEYS: oldKey.toString('base64'),
      }),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/credentials\.body: 3 re-encrypted/);

    database = await serverDb.openDatabase(config);
    const rows = await database.db.select().from(serverDb.schema.credentials);
    const fresh = serverVault.createVault({ primary: newKey });
    expect(
      rows.map((row) => fresh.decryptJson<{ secret: string }>(row.body).secret).sort(),
    ).toEqual(['v1', 'v2', 'v3']);
    await database.close();
  });
});

describe('lightning execute', () => {
  const adaptors = join(ROOT, '.cache', 'adaptors');
  const files = (contents: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'lightning-execute-'));
    for (const [name, text] of Object.entries(contents)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('runs a job with a real adaptor, credential in configuration, and prints the output state', async () => {
    const dir = files({
      'job.js':
        'fn(state => { console.log("n is", state.data.n); return { ...state, data: { doubled: state.data.n * 2, user: state.configuration.username } }; });',
      'state.json': '{"data": {"n": 21}}',
      'credential.json': '{"username": "ada", "password": "pw-not-to-print"}',
    });
    const { code, stdout, stderr } = await run(
      [
        'execute',
        join(dir, 'job.js'),
        '-a',
        '@openfn/language-common@3.3.4',
        '-s',
        join(dir, 'state.json'),
        '-c',
        join(dir, 'credential.json'),
      ],
      baseEnv(dataDir, { ADAPTORS_PATH: adaptors }),
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ data: { doubled: 42, user: 'ada' } });
    expect(stderr).toMatch(/\[JOB\] INFO\s+n is 21/);
    expect(stdout + stderr).not.toContain('pw-not-to-print');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with the reason and error type when the job fails', async () => {
    const dir = files({ 'job.js': 'fn(() => { throw new Error("no patients today"); });' });
    const { code, stderr } = await run(
      ['execute', join(dir, 'job.js'), '-a', '@openfn/language-common@3.3.4'],
      baseEnv(dataDir, { ADAPTORS_PATH: adaptors }),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/fail: JobError: .*no patients today/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says which file is wrong for a missing job or a non-JSON state', async () => {
    const dir = files({ 'job.js': 'fn(s => s);', 'state.json': '{"data": ' });
    const missing = await run(
      ['execute', join(dir, 'nope.js'), '-a', '@openfn/language-common@3.3.4'],
      baseEnv(dataDir),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the job file ".*nope\.js": no such file/);
    const badState = await run(
      [
        'execute',
        join(dir, 'job.js'),
        '-a',
        '@openfn/language-common@3.3.4',
        '-s',
        join(dir, 'state.json'),
      ],
      baseEnv(dataDir),
    );
    expect(badState.code).toBe(1);
    expect(badState.stderr).toMatch(/--state .*state\.json is not valid JSON/);
    expect(badState.stderr).not.toMatch(/\n\s+at /);
    rmSync(dir, { recursive: true, force: true });
  });
});
