// `lightning execute` runs a job in the worker's sandbox: the same kinds of escape attempts as
// the pool's own suite (packages/worker/src/pool/sandbox-escape.test.ts), each run through the
// real command, as a real process, with a real adaptor. The command's own environment holds a
// secret and a secret file sits outside the adaptors folder; every attempt must end with the
// expected reason and error type, and neither secret may appear in anything the command prints.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processEnv } from './test-support/env.js';
import { type CliResult, runCli } from './test-support/run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMMON = '@openfn/language-common@3.3.4';

const envSecret = `env-secret-${randomUUID()}`;
const fileSecret = `file-secret-${randomUUID()}`;
let dir: string;
let secretFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lightning-execute-sandbox-'));
  secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, fileSecret);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `body` with `lightning execute`; check that no secret reached its output. */
async function execute(body: string, extraArgs: string[] = []): Promise<CliResult> {
  const jobFile = join(dir, `job-${randomUUID()}.js`);
  writeFileSync(jobFile, body.replaceAll('SECRET_FILE', JSON.stringify(secretFile)));
  const result = await runCli(
    ['execute', jobFile, '-a', COMMON, ...extraArgs],
    processEnv({
      LIGHTNING_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'warn',
      ADAPTORS_PATH: join(ROOT, '.cache', 'adaptors'),
      // The command's own environment: the job must never see it.
      LIGHTNING_ESCAPE_TEST_SECRET: envSecret,
    }),
  );
  const printed = result.stdout + result.stderr;
  expect(printed).not.toContain(envSecret);
  expect(printed).not.toContain(fileSecret);
  expect(printed).not.toMatch(/root:x:0:0/);
  // A user never gets a stack trace.
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return result;
}

/** `<reason>: <error type>` from the command's last line, or `success`. */
function outcome(result: CliResult): string {
  if (result.code === 0) return 'success';
  const match = /\n(\w+): (\w+)(?::|$)/m.exec(
    result.stderr.slice(result.stderr.lastIndexOf('\n\n')),
  );
  return match ? `${match[1]}: ${match[2]}` : `exit ${result.code}: ${result.stderr.slice(-500)}`;
}

const processThief = "('return process')().env.LIGHTNING_ESCAPE_TEST_SECRET";

const attempts: [string, string, string][] = [
  [
    "an adaptor function's constructor.constructor('return process') (host realm Function)",
    `fn(s => ({ data: { env: fn.constructor.constructor${processThief} } }))`,
    'kill: SecurityError',
  ],
  [
    'globalThis.constructor.constructor (the job realm Function)',
    `fn(s => ({ data: { env: globalThis.constructor.constructor${processThief} } }))`,
    'kill: SecurityError',
  ],
  [
    'this.constructor.constructor at the top level of the job',
    `const p = this.constructor.constructor('return process')();\nfn(s => ({ data: { env: p.env } }))`,
    'fail: RuntimeError',
  ],
  ['eval', 'fn(s => ({ data: { env: eval("process.env") } }))', 'kill: SecurityError'],
  [
    'globalThis.process.env',
    'fn(s => ({ data: { env: globalThis.process.env.LIGHTNING_ESCAPE_TEST_SECRET } }))',
    'fail: RuntimeError',
  ],
  [
    "import('fs') to read a file outside the adaptors folder",
    "fn(async s => ({ data: { f: (await import('fs')).readFileSync(SECRET_FILE, 'utf8') } }))",
    'crash: ImportError',
  ],
  [
    "a static import of 'node:fs' to read /etc/passwd",
    "import { readFileSync } from 'node:fs';\nfn(s => ({ data: { f: readFileSync('/etc/passwd', 'utf8') } }))",
    'crash: ImportError',
  ],
  [
    "import('child_process') to spawn a process",
    "fn(async s => ({ data: { f: (await import('child_process')).execSync('cat /etc/passwd').toString() } }))",
    'crash: ImportError',
  ],
  [
    'require',
    "fn(s => ({ data: { f: require('fs').readFileSync('/etc/passwd', 'utf8') } }))",
    'crash: RuntimeCrash',
  ],
  [
    'Object.prototype of the host through an adaptor function (prototype pollution)',
    "fn(s => { Object.getPrototypeOf(Object.getPrototypeOf(fn)).polluted = 'yes'; return s; })",
    'fail: RuntimeError',
  ],
  ['process.exit()', 'fn(s => { process.exit(1); return s; })', 'crash: RuntimeCrash'],
];

describe('lightning execute: a job trying to escape the sandbox', () => {
  it.each(attempts)(
    '%s fails closed',
    async (_name, body, expected) => {
      const result = await execute(body);
      expect(outcome(result)).toBe(expected);
      expect(result.code).toBe(1);
    },
    120_000,
  );

  it('CallSite.getThis reaches no process object, so no secret', async () => {
    const result = await execute(`fn(s => {
      Error.prepareStackTrace = (e, frames) => frames;
      const frames = new Error().stack;
      const found = [];
      for (const frame of frames) {
        const f = frame.getFunction(); const t = frame.getThis();
        try { if (f) found.push(f.constructor${processThief}); } catch (e) { found.push(String(e)); }
        if (t && t.process) found.push(t.process.env.LIGHTNING_ESCAPE_TEST_SECRET);
      }
      return { data: { found } };
    })`);
    expect(outcome(result)).toBe('success');
    expect(JSON.parse(result.stdout)).toEqual({ data: { found: expect.any(Array) } });
  });

  it('an endless loop is killed at --timeout, and the log says so', async () => {
    const result = await execute('fn(s => { for (;;) {} })', ['-t', '2']);
    expect(outcome(result)).toBe('kill: TimeoutError');
    expect(result.stderr).toMatch(/Run killed: it did not finish within its time limit/);
    expect(result.stderr).toMatch(/kill: TimeoutError: Workflow failed to return within 2000ms/);
    expect(JSON.parse(result.stdout)).toBeNull();
  });

  it('a memory hog is killed at --memory with OOMError', async () => {
    const result = await execute(
      'fn(s => { const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random())); })',
      ['-m', '150', '-t', '60'],
    );
    expect(outcome(result)).toBe('kill: OOMError');
    expect(result.stderr).toMatch(/Run killed: it went over its memory limit/);
  });

  it('refuses a --memory or --timeout that is not a usable number, naming the option', async () => {
    const memory = await execute('fn(s => s)', ['-m', 'lots']);
    expect(memory.code).toBe(1);
    expect(memory.stderr).toMatch(/--memory must be a whole number of megabytes.*"lots"/);
    const timeout = await execute('fn(s => s)', ['-t', '0']);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toMatch(/--timeout must be a positive number of seconds.*"0"/);
  });

  it('takes the short adaptor name `common` for @openfn/language-common, without Node warnings', async () => {
    // language-common's http (undici) makes Node warn "ExperimentalWarning: DecompressInterceptor
    // is experimental": the job author must not see it.
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end('{"patients": 3}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const jobFile = join(dir, 'short.js');
    writeFileSync(
      jobFile,
      `http.get('http://127.0.0.1:${port}/patients');
      fn(s => ({ data: { patients: s.data.patients } }));`,
    );
    try {
      const result = await runCli(
        ['execute', jobFile, '-a', 'common@3.3.4'],
        processEnv({
          LIGHTNING_DATA_DIR: join(dir, 'data'),
          LOG_LEVEL: 'warn',
          ADAPTORS_PATH: join(ROOT, '.cache', 'adaptors'),
        }),
      );
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ data: { patients: 3 } });
      expect(result.stderr).toMatch(/@openfn\/language-common\s+3\.3\.4/);
      expect(result.stderr).not.toMatch(/Warning|\(node:\d+\)|--trace-warnings/);
      // The log states the default that `execute --help` shows (help.test.ts).
      expect(result.stderr).toMatch(/Timeout: 300s/);
    } finally {
      server.close();
    }
  });
});
