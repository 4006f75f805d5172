// Issue 15 item 2, end to end on `lightning start`: saving a workflow installs its adaptors in the
// background, so its first run does not wait for npm; a restarted instance installs the adaptors of
// its recent workflows before any run asks. The adaptors folder is a fresh one, so npm really runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { config as serverConfig, db as serverDb } from '@lightning/server';
import { createTestUser, type TestUser } from '../../server/src/test-support/actors.js';
import { createTestDatabase, type TestDatabase } from '../../server/src/test-support/database.js';
import { ensureBuilt } from '../../worker/src/test-support/build-packages.js';
import { processEnv } from './test-support/env.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMMON = '@openfn/language-common@3.3.4';
/** How the runtime names an installed version's folder (adaptor-path.ts). */
const INSTALLED_DIR = ['node_modules', '@openfn', 'language-common_3.3.4'];

let dataDir: string;
/** PostgreSQL runs: the instance's database, kept open here (closing it drops it). */
let database: TestDatabase | undefined;
let owner: TestUser;

interface Instance {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first log line (JSON) that `match` accepts. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  baseUrl: string;
  stop(): Promise<void>;
}
let instance: Instance | undefined;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** `lightning start` with its own empty adaptors folder; resolves once its worker is started. */
async function startInstance(adaptorsPath: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, 'start'], {
    cwd: ROOT,
    env: processEnv({
      LIGHTNING_DATA_DIR: dataDir,
      ADAPTORS_PATH: adaptorsPath,
      PORT: String(port),
      LOG_LEVEL: 'info',
      WORKER_CAPACITY: '1',
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let waiters: {
    match: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk;
    partial += chunk;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      lines.push(line);
      waiters = waiters.filter((waiter) => {
        if (!waiter.match(line)) return true;
        waiter.resolve(line);
        return false;
      });
    }
  });
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitForLog = (match: (line: Record<string, unknown>) => boolean) => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<Record<string, unknown>>((resolve) => waiters.push({ match, resolve })),
      exited.then(() => {
        throw new Error(`lightning start exited early:\n${output}`);
      }),
    ]);
  };
  await waitForLog((line) => line.msg === 'embedded worker started');
  return {
    child,
    output: () => output,
    waitForLog,
    baseUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

const isInstalled = (spec: string) => (line: Record<string, unknown>) =>
  line.msg === 'Installed adaptor' && line.adaptor === spec;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${instance!.baseUrl}${path}`, {
    method,
    headers: { ...owner.headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, response };
}

/** Waits for the run to end (the worker reports it), however long that takes. */
async function finishedRun(runId: string): Promise<{ state: string }> {
  for (;;) {
    const { body } = await api('GET', `/api/runs/${runId}`);
    const run = body.data;
    if (!['available', 'claimed', 'started'].includes(run.state)) return run;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  // The embedded worker's pool children run the built packages.
  await ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'lightning-adaptors-ahead-'));
  if (serverConfig.loadConfig(process.env).config.database.url) {
    database = await createTestDatabase();
    owner = await createTestUser(database.db);
  } else {
    // The instance's own PGlite directory, written before the instance holds it.
    const { config } = serverConfig.loadConfig({ LIGHTNING_DATA_DIR: dataDir });
    const handle = await serverDb.openDatabase(config);
    try {
      await serverDb.migrateDatabase(handle);
      owner = await createTestUser(handle.db);
    } finally {
      await handle.close();
    }
  }
});

afterAll(async () => {
  await instance?.stop();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('adaptors installed ahead of runs (lightning start)', () => {
  const trigger = randomUUID();

  it('saving a workflow installs its adaptor with no run, and the first run does not wait', async () => {
    const adaptors = mkdtempSync(join(tmpdir(), 'lightning-adaptors-'));
    try {
      instance = await startInstance(adaptors);
      const job = randomUUID();
      const projectId = randomUUID();
      const provisioned = await api('POST', '/api/provision', {
        id: projectId,
        name: 'adaptors-ahead',
        workflows: [
          {
            id: randomUUID(),
            name: 'first run',
            jobs: [
              {
                id: job,
                name: 'greet',
                adaptor: COMMON,
                body: "fn(state => { console.log('hello from the first run'); return state; })",
              },
            ],
            triggers: [{ id: trigger, type: 'webhook', enabled: true }],
            edges: [
              {
                id: randomUUID(),
                source_trigger_id: trigger,
                target_job_id: job,
                condition_type: 'always',
              },
            ],
          },
        ],
      });
      expect(provisioned.status).toBe(201);

      // The install starts on its own: nothing has been posted to the webhook yet.
      await instance.waitForLog(isInstalled(COMMON));
      expect(existsSync(join(adaptors, ...INSTALLED_DIR, 'package.json'))).toBe(true);
      const workOrders = await api('GET', `/api/projects/${projectId}/work_orders`);
      expect(workOrders.body.data).toEqual([]);

      const posted = await fetch(`${instance.baseUrl}/i/${trigger}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n: 1 }),
      });
      expect(posted.status).toBe(200);
      const runId = posted.headers.get('x-meta-run-id')!;
      expect((await finishedRun(runId)).state).toBe('success');

      const log = await api('GET', `/api/runs/${runId}/log_lines`);
      const messages = (log.body.data as { source: string; message: string }[]).map(
        (line) => `${line.source} ${line.message}`,
      );
      expect(messages.join('\n')).toContain('hello from the first run');
      expect(messages.filter((line) => /Install|Waiting for another process/.test(line))).toEqual(
        [],
      );
      // npm ran once for the adaptor: for the save, not for the run.
      expect(instance.output().match(/"msg":"Installing adaptor"/g)).toHaveLength(1);
    } finally {
      await instance?.stop();
      instance = undefined;
      rmSync(adaptors, { recursive: true, force: true });
    }
  });

  it('a restarted instance installs the adaptors of its recent workflows before any run', async () => {
    const adaptors = mkdtempSync(join(tmpdir(), 'lightning-adaptors-'));
    try {
      instance = await startInstance(adaptors);
      await instance.waitForLog(isInstalled(COMMON));
      expect(existsSync(join(adaptors, ...INSTALLED_DIR, 'package.json'))).toBe(true);
    } finally {
      await instance?.stop();
      instance = undefined;
      rmSync(adaptors, { recursive: true, force: true });
    }
  });
});
