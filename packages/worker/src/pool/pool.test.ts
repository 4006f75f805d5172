import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ADAPTORS_DIR,
  expectWellFormed,
  FAKE_RUNTIME,
  HTTP,
  jobPlan,
  preparePoolTests,
  recordEvents,
} from '../test-support/pool-fixtures.js';
import { createPool, type Pool } from './index.js';

let pool: Pool;

beforeAll(async () => {
  await preparePoolTests();
  pool = createPool({ size: 2, adaptorsDir: ADAPTORS_DIR });
  await pool.ready;
  // The first run of a test session builds three packages and may install two adaptors.
});

afterAll(async () => {
  await pool?.close();
});

describe('a run in the warm pool', () => {
  it('runs a real job and streams a well-formed event sequence', async () => {
    const recorder = recordEvents();
    const result = await pool.run(
      jobPlan('fn(s => { console.log("hello"); return { ...s, data: { n: s.data.n + 1 } }; })'),
      { data: { n: 1 } },
      { onEvent: recorder.onEvent },
    );
    expect(result).toMatchObject({ reason: 'success', final_state: { data: { n: 2 } } });
    expect(recorder.events[0]?.type).toBe('run:start');
    expect(expectWellFormed(recorder.events).reason).toBe('success');
    expect(recorder.text()).toContain('hello');
    // The worker's default limits are the ones the run states.
    expect(recorder.text()).toContain('Memory limit: 500mb');
    expect(recorder.text()).toContain('Timeout: 300s');
  });

  it('hands the credential to the job from the parent and keeps it out of the output', async () => {
    const recorder = recordEvents();
    const asked: string[] = [];
    const result = await pool.run(
      jobPlan(
        'fn(s => ({ ...s, data: { user: s.configuration.user } }))',
        {},
        { credential_id: 'cred-1' },
      ),
      { data: {} },
      {
        onEvent: recorder.onEvent,
        loadCredential: async (id) => {
          asked.push(id);
          return { user: 'ana', password: 'pool-credential-secret' };
        },
      },
    );
    expect(asked).toEqual(['cred-1']);
    expect(result).toMatchObject({ reason: 'success', final_state: { data: { user: 'ana' } } });
    expect(recorder.text()).not.toContain('pool-credential-secret');
  });

  it('ends exception/CredentialLoadError when the credential cannot be loaded', async () => {
    const result = await pool.run(
      jobPlan('fn(s => s)', {}, { credential_id: 'missing' }),
      { data: {} },
      {
        loadCredential: async () => {
          throw new Error('Credential not found!');
        },
      },
    );
    expect(result).toMatchObject({ reason: 'exception', error_type: 'CredentialLoadError' });
  });

  it('runs language-http against a local server (adaptor exports frozen, intrinsics frozen)', async () => {
    const server: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"patients":[1,2,3]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await pool.run(
        jobPlan('get("/patients")', {}, { adaptor: HTTP, credential_id: 'http' }),
        { data: {} },
        { loadCredential: async () => ({ baseUrl: `http://127.0.0.1:${port}` }) },
      );
      expect(result).toMatchObject({
        reason: 'success',
        final_state: { data: { patients: [1, 2, 3] } },
      });
    } finally {
      server.close();
    }
  });

  it('queues runs while every child is busy', async () => {
    // Each run waits for an answer the test holds back until all five are in the pool.
    const held: ServerResponse[] = [];
    const server: Server = createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const slow = jobPlan(`http.get('http://127.0.0.1:${port}/')`, { run_timeout_ms: 60_000 });
      const runs = Array.from({ length: 5 }, () => pool.run(slow, { data: {} }));
      await expect
        .poll(() => pool.stats(), { timeout: 60_000 })
        .toMatchObject({ busy: 2, queued: 3 });
      expect(held.length).toBeLessThanOrEqual(2);
      const release = setInterval(() => {
        for (const res of held.splice(0)) res.end('ok');
      }, 20);
      const results = await Promise.all(runs).finally(() => clearInterval(release));
      expect(results.map((r) => r.reason)).toEqual(Array(5).fill('success'));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('ends exception/AutoinstallError when an adaptor cannot be installed', async () => {
    const recorder = recordEvents();
    const result = await pool.run(
      jobPlan('fn(s => s)', {}, { adaptor: 'left-pad@1.3.0' }),
      {},
      recorder,
    );
    expect(result).toMatchObject({ reason: 'exception', error_type: 'AutoinstallError' });
    expect(expectWellFormed(recorder.events).error_type).toBe('AutoinstallError');
  });
});

describe('limits', () => {
  it('kills a run over its time limit, closes its open step, and keeps serving', async () => {
    const recorder = recordEvents();
    const started = Date.now();
    const result = await pool.run(
      jobPlan('fn(s => { while (true) {} })', { run_timeout_ms: 1000 }),
      { data: {} },
      recorder,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
    const stepComplete = recorder.events.find((e) => e.type === 'step:complete');
    expect(stepComplete).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
    expect(expectWellFormed(recorder.events).reason).toBe('kill');
    expect(await pool.run(jobPlan('fn(s => s)'), { data: {} })).toMatchObject({
      reason: 'success',
    });
  });

  it('with the runtime timeout on, the runtime stops a synchronous loop itself', async () => {
    const timed = createPool({ size: 1, adaptorsDir: ADAPTORS_DIR, isRuntimeTimeoutOn: true });
    try {
      const result = await timed.run(
        jobPlan('while (true) {}\nfn(s => s)', { run_timeout_ms: 1000 }),
        {
          data: {},
        },
      );
      expect(result).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
      // Ended in-process (the pool's kill message would say "Workflow failed to return").
      expect(result.error_message).not.toContain('Workflow failed to return');
      expect(await timed.run(jobPlan('fn(s => s)'), { data: {} })).toMatchObject({
        reason: 'success',
      });
    } finally {
      await timed.close();
    }
  });

  it('kills a run whose ArrayBuffers (not heap) pass the memory limit', async () => {
    const hog =
      'fn(s => { const keep = []; for (;;) keep.push(new Uint8Array(16 * 1024 * 1024).fill(1)); })';
    const result = await pool.run(
      jobPlan(hog, { run_memory_limit_mb: 150, run_timeout_ms: 20_000 }),
      {
        data: {},
      },
    );
    expect(result).toMatchObject({ reason: 'kill', error_type: 'OOMError' });
    expect(await pool.run(jobPlan('fn(s => s)'), { data: {} })).toMatchObject({
      reason: 'success',
    });
  });

  it('kills a heap hog with OOMError', async () => {
    const hog =
      'fn(s => { const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random())); })';
    const result = await pool.run(
      jobPlan(hog, { run_memory_limit_mb: 150, run_timeout_ms: 20_000 }),
      {
        data: {},
      },
    );
    expect(result).toMatchObject({ reason: 'kill', error_type: 'OOMError' });
    expect(await pool.run(jobPlan('fn(s => s)'), { data: {} })).toMatchObject({
      reason: 'success',
    });
  });

  it('kills with OOMError when V8 hits the heap limit the run asked for (no RSS watch)', async () => {
    const heapOnly = createPool({ size: 1, adaptorsDir: ADAPTORS_DIR, memoryPollMs: 600_000 });
    try {
      const hog =
        'fn(s => { const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random())); })';
      const result = await heapOnly.run(
        jobPlan(hog, { run_memory_limit_mb: 100, run_timeout_ms: 20_000 }),
        { data: {} },
      );
      expect(result).toMatchObject({ reason: 'kill', error_type: 'OOMError' });
      expect(await heapOnly.run(jobPlan('fn(s => s)'), { data: {} })).toMatchObject({
        reason: 'success',
      });
    } finally {
      await heapOnly.close();
    }
  });

  it('ends a run crash on an unhandled promise rejection', async () => {
    const recorder = recordEvents();
    const result = await pool.run(
      jobPlan(
        'fn(s => { Promise.reject(new Error("nobody catches me")); return new Promise(() => {}); })',
        {
          run_timeout_ms: 10_000,
        },
      ),
      { data: {} },
      recorder,
    );
    expect(result).toMatchObject({
      reason: 'crash',
      error_message: expect.stringContaining('Unhandled promise rejection'),
    });
    expectWellFormed(recorder.events);
  });

  it('ends a run kill/SecurityError when blocked code generation escapes as an unhandled rejection', async () => {
    const recorder = recordEvents();
    const result = await pool.run(
      jobPlan(
        'fn(async s => { (async () => { await null; new Function("return 1")(); })(); return new Promise(() => {}); })',
        { run_timeout_ms: 10_000 },
      ),
      { data: {} },
      recorder,
    );
    expect(result).toEqual({
      reason: 'kill',
      error_type: 'SecurityError',
      error_message: 'Illegal eval statement detected',
    });
    expectWellFormed(recorder.events);
  });

  it('says why it replaces a child its run left busy', async () => {
    const retired: string[] = [];
    const watched = createPool({
      size: 1,
      adaptorsDir: ADAPTORS_DIR,
      onChildRetired: ({ reason }) => retired.push(reason),
    });
    try {
      const result = await watched.run(
        jobPlan('fn(s => { (async () => { for (;;) await null })(); return s; })'),
        { data: {} },
      );
      expect(result.reason).toBe('success');
      await expect.poll(() => retired, { timeout: 60_000 }).toHaveLength(1);
      expect(retired[0]).toMatch(/left the event loop busy: no word within 2000ms/);
    } finally {
      await watched.close();
    }
  });

  it('keeps its size after kills and crashes (two children and a spare while in use)', async () => {
    await expect.poll(() => pool.stats().children).toBe(3);
  });
});

describe('the child process sandbox (fake runtime, host powers handed to the job)', () => {
  let fake: Pool;
  beforeAll(async () => {
    fake = createPool({
      size: 1,
      adaptorsDir: ADAPTORS_DIR,
      runtimeModule: FAKE_RUNTIME,
      maxRunsPerChild: 3,
      installAdaptor: async () => {},
    });
    await fake.ready;
  });
  afterAll(async () => {
    await fake?.close();
  });

  const run = (body: string, options = {}) => fake.run(jobPlan(body), { data: {} }, options);

  it('gives the child an empty environment', async () => {
    process.env.LIGHTNING_POOL_TEST_SECRET = 'env-secret-value';
    const result = await run('host.env()');
    expect(result).toMatchObject({ reason: 'success', final_state: {} });
    expect(JSON.stringify(result)).not.toContain('env-secret-value');
  });

  it('denies file reads outside the code and adaptors, writes, spawns and threads', async () => {
    for (const body of [
      'host.readFile("/etc/passwd")',
      `host.writeFile(${JSON.stringify(`${ADAPTORS_DIR}/pwned.txt`)}, "x")`,
      'host.spawn("id")',
      'host.thread()',
      'host.evaluate("return 1")',
    ]) {
      const result = await run(body);
      expect(result.reason, body).toBe('fail');
      expect(result.error_message, body).toMatch(
        /ERR_ACCESS_DENIED|Access to this API|Code generation/,
      );
    }
  });

  it('does not follow node_modules symlinks into the repo (server sources, config)', async () => {
    const repo = ADAPTORS_DIR.replace(/\/\.cache\/adaptors$/, '');
    for (const file of [
      `${repo}/node_modules/@lightning/server/package.json`,
      `${repo}/packages/runtime/src/index.ts`,
      `${repo}/package.json`,
    ]) {
      const result = await run(`host.readFile(${JSON.stringify(file)})`);
      expect(result.reason, file).toBe('fail');
      expect(result.error_message, file).toMatch(/ERR_ACCESS_DENIED|Access to this API/);
    }
  });

  it('lets the child read its adaptors', async () => {
    const result = await run(
      `host.readFile(${JSON.stringify(`${ADAPTORS_DIR}/node_modules/@openfn/language-common_3.3.4/package.json`)}).length`,
    );
    expect(result.reason).toBe('success');
  });

  it('ends a run crash with a clear message when the child calls process.exit', async () => {
    const recorder = recordEvents();
    const result = await run('host.exit(3)', recorder);
    expect(result).toEqual({
      reason: 'crash',
      error_type: 'RuntimeCrash',
      error_message: 'process.exit(3) was called during the run',
    });
    expectWellFormed(recorder.events);
    expect(await run('1')).toMatchObject({ reason: 'success' });
  });

  it('ends a run crash when an exception or a rejection escapes into the child', async () => {
    expect(await run('host.throwLater("boom"); new Promise(() => {})')).toEqual({
      reason: 'crash',
      error_type: 'RuntimeCrash',
      error_message: 'Uncaught exception in run: Error: boom',
    });
    expect(await run('host.rejectLater("nope"); new Promise(() => {})')).toEqual({
      reason: 'crash',
      error_type: 'RuntimeCrash',
      error_message: 'Unhandled promise rejection in run: Error: nope',
    });
    expect(await run('1')).toMatchObject({ reason: 'success' });
  });

  it('serves only the credentials the plan names', async () => {
    const plan = jobPlan('credential("other")', {}, { credential_id: 'mine' });
    const result = await fake.run(plan, {}, { loadCredential: async (id) => ({ id }) });
    expect(result).toMatchObject({
      reason: 'fail',
      error_message: expect.stringContaining('Credential other is not used by this run'),
    });
  });

  it('recycles a child after maxRunsPerChild runs', async () => {
    const pids = [];
    for (let i = 0; i < 4; i++) {
      const result = await run('host.pid()');
      pids.push(result.final_state);
    }
    expect(new Set(pids).size).toBeGreaterThan(1);
  });

  it('replaces a child after an ImportError (its module map keeps the failure), not after a job error', async () => {
    const pool = createPool({
      size: 1,
      adaptorsDir: ADAPTORS_DIR,
      runtimeModule: FAKE_RUNTIME,
      maxRunsPerChild: 100,
      installAdaptor: async () => {},
    });
    // One project, so that its runs may share a child.
    const plan = (body: string) => ({ ...jobPlan(body), project_id: 'project-import' });
    const pid = async () =>
      (await pool.run(plan('host.pid()'), { data: {} })).final_state as unknown as number;
    try {
      const first = await pid();
      const failed = await pool.run(plan("throw new Error('no')"), { data: {} });
      expect(failed).toMatchObject({ reason: 'fail', error_type: 'JobError' });
      expect(await pid()).toBe(first);
      const unloadable = await pool.run(
        plan("const e = new Error('half-installed'); e.name = 'ImportError'; throw e"),
        { data: {} },
      );
      expect(unloadable).toMatchObject({ reason: 'crash', error_type: 'ImportError' });
      expect(await pid()).not.toBe(first);
    } finally {
      await pool.close();
    }
  });

  it("ends the run crash when the caller's onEvent throws, and keeps serving", async () => {
    const result = await run('log("x"); new Promise(() => {})', {
      onEvent: (event: { type: string }) => {
        if (event.type === 'log') throw new Error('socket gone');
      },
    });
    expect(result).toMatchObject({
      reason: 'crash',
      error_message: 'Handling a run event failed: Error: socket gone',
    });
    expect(await run('1')).toMatchObject({ reason: 'success' });
  });

  it('can read an adaptors folder that did not exist when the pool started', async () => {
    const dir = path.join(tmpdir(), `lightning-pool-${randomUUID()}`, 'adaptors');
    const fresh = createPool({
      size: 1,
      adaptorsDir: dir,
      runtimeModule: FAKE_RUNTIME,
      installAdaptor: async () => {},
    });
    try {
      await fresh.ready;
      writeFileSync(path.join(dir, 'installed.txt'), 'installed later');
      const result = await fresh.run(
        jobPlan(`host.readFile(${JSON.stringify(path.join(dir, 'installed.txt'))})`),
        {},
      );
      expect(result).toMatchObject({ reason: 'success', final_state: 'installed later' });
    } finally {
      await fresh.close();
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('hands the child the concrete adaptor version the installer resolved', async () => {
    const resolving = createPool({
      size: 1,
      adaptorsDir: ADAPTORS_DIR,
      runtimeModule: FAKE_RUNTIME,
      installAdaptor: async (spec) => ({ spec: spec.replace('@latest', '@3.3.4') }),
    });
    try {
      const plan = jobPlan('adaptor', {}, { adaptor: '@openfn/language-common@latest' });
      expect(await resolving.run(plan, {})).toMatchObject({
        final_state: '@openfn/language-common@3.3.4',
      });
    } finally {
      await resolving.close();
    }
  });

  it('replaces a child that dies while idle, and the next run does not notice', async () => {
    const first = await run('host.pid()');
    process.kill(first.final_state as unknown as number, 'SIGKILL');
    const next = await run('host.pid()');
    expect(next.reason).toBe('success');
    expect(next.final_state).not.toBe(first.final_state);
  });

  it('never hangs when children cannot start: ready rejects and runs end crash', async () => {
    const broken = createPool({
      size: 1,
      adaptorsDir: ADAPTORS_DIR,
      runtimeModule: path.join(tmpdir(), `no-such-runtime-${randomUUID()}.js`),
      installAdaptor: async () => {},
    });
    try {
      await expect(broken.ready).rejects.toThrow(/could not start/);
      const result = await broken.run(jobPlan('1'), {});
      expect(result).toMatchObject({
        reason: 'crash',
        error_message: expect.stringContaining('could not start'),
      });
    } finally {
      await broken.close();
    }
  });

  it('without --frozen-intrinsics, a polluted host prototype retires the child', async () => {
    const unfrozen = createPool({
      size: 1,
      adaptorsDir: ADAPTORS_DIR,
      runtimeModule: FAKE_RUNTIME,
      installAdaptor: async () => {},
      freezeIntrinsics: false,
    });
    try {
      const polluter = await unfrozen.run(
        jobPlan('Object.getPrototypeOf(state).polluted = "yes"; [host.pid(), ({}).polluted]'),
        { data: {} },
      );
      // The job's own realm is untouched; the host's Object.prototype was changed.
      expect(polluter.final_state).toEqual([expect.any(Number), null]);
      const next = await unfrozen.run(
        jobPlan('[host.pid(), Object.getPrototypeOf(state).polluted ?? null]'),
        { data: {} },
      );
      const [firstPid] = polluter.final_state as unknown as [number];
      const [nextPid, seen] = next.final_state as unknown as [number, string | null];
      expect(seen).toBeNull();
      expect(nextPid).not.toBe(firstPid);
    } finally {
      await unfrozen.close();
    }
  });

  describe('runs of one project after another, and of another project', () => {
    // Runs one after another, so that any of them could land in a child an earlier run used.
    // Two slots (and a spare): room for two projects' children side by side.
    let shared: Pool;
    beforeAll(async () => {
      shared = createPool({
        size: 2,
        adaptorsDir: ADAPTORS_DIR,
        runtimeModule: FAKE_RUNTIME,
        installAdaptor: async () => {},
      });
      await shared.ready;
    });
    afterAll(async () => {
      await shared?.close();
    });
    const inProject = (project: string, body: string) => ({
      ...jobPlan(body),
      project_id: project,
    });
    const pidIn = async (project: string) => {
      const result = await shared.run(inProject(project, 'host.pid()'), { data: {} });
      expect(result.reason).toBe('success');
      return result.final_state as unknown as number;
    };

    it('a clean run leaves its child to the next run of its project, never to another project', async () => {
      const first = await pidIn('project-a');
      expect(await pidIn('project-a')).toBe(first);
      expect(await pidIn('project-b')).not.toBe(first);
      expect(await pidIn('project-a')).toBe(first);
    });

    it('a plan without a project id shares a child only with runs of the same plan id', async () => {
      const plan = jobPlan('host.pid()');
      const first = (await shared.run(plan, {})).final_state;
      expect((await shared.run(plan, {})).final_state).toBe(first);
      expect((await shared.run(jobPlan('host.pid()'), {})).final_state).not.toBe(first);
    });

    it('a run that leaves a timer running ends normally, and its child serves no one after it', async () => {
      const left = await shared.run(
        inProject('project-c', '[host.leaveTimer(), host.pid()][1]'),
        {},
      );
      expect(left).toMatchObject({ reason: 'success' });
      expect(await pidIn('project-c')).not.toBe(left.final_state);
    });

    it('a run that leaves an endless microtask loop ends normally; its child is killed and the next runs do not notice', async () => {
      const left = await shared.run(
        inProject('project-d', '(async () => { for (;;) await null })(); host.pid()'),
        {},
      );
      expect(left).toMatchObject({ reason: 'success' });
      expect(await pidIn('project-e')).not.toBe(left.final_state);
      expect(await pidIn('project-d')).not.toBe(left.final_state);
    });
  });

  it('ends queued and running runs when closed', async () => {
    const closing = createPool({
      size: 1,
      adaptorsDir: ADAPTORS_DIR,
      runtimeModule: FAKE_RUNTIME,
      installAdaptor: async () => {},
    });
    await closing.ready;
    const running = closing.run(jobPlan('new Promise(() => {})'), {});
    const queued = closing.run(jobPlan('1'), {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closing.close();
    expect((await running).reason).toBe('exception');
    expect((await queued).reason).toBe('exception');
    expect(closing.stats().children).toBe(0);
  });
});
