// Adaptor installs seen from a run: real npm, real registry, a fresh adaptors folder per test (the
// shared cache must not be written while other test files import from it).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isInstalled, type RunEvent, runningNpmPids } from '@lightning/runtime';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADAPTORS_DIR,
  expectWellFormed,
  jobPlan,
  preparePoolTests,
} from '../test-support/pool-fixtures.js';
import { type LoggedLine, recordingLogger } from '../testing/recording-logger.js';
import { createPool, type Pool } from './pool.js';

beforeAll(preparePoolTests, 240_000);

let dirs: string[] = [];
let pools: Pool[] = [];
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
  pools = [];
});

function freshDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightning-install-'));
  dirs.push(dir);
  return dir;
}

function poolFor(adaptorsDir: string, lines: LoggedLine[] = []): Pool {
  const pool = createPool({ size: 1, spares: 0, adaptorsDir, logger: recordingLogger(lines) });
  pools.push(pool);
  return pool;
}

/** The log lines of a run, as `SOURCE level text`. */
function logLines(events: RunEvent[]): string[] {
  return events.flatMap((event) =>
    event.type === 'log' ? [`${event.source} ${event.level} ${event.message.join(' ')}`] : [],
  );
}

const SPEC = '@openfn/language-common@3.3.1';

describe('adaptor installs in the run log', () => {
  it('says what is installed and how long it took, before the run starts', async () => {
    const lines: LoggedLine[] = [];
    const pool = poolFor(freshDir(), lines);
    const events: RunEvent[] = [];
    const result = await pool.run(
      jobPlan('fn(s => ({ data: { ok: true } }))', {}, { adaptor: SPEC }),
      {},
      { onEvent: (event) => events.push(event) },
    );
    expect(result.reason).toBe('success');
    const start = events.findIndex((event) => event.type === 'run:start');
    const before = logLines(events.slice(0, start));
    expect(before[0]).toBe(`RTE info Installing adaptor ${SPEC} with npm`);
    expect(before[1]).toMatch(new RegExp(`^RTE info Installed adaptor ${SPEC} in \\d+\\.\\ds$`));
    expect(lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(['Installing adaptor', 'Installed adaptor']),
    );
  });

  it("puts npm's own error text in the run log and the worker log when an install fails", async () => {
    const lines: LoggedLine[] = [];
    const pool = poolFor(ADAPTORS_DIR, lines);
    const events: RunEvent[] = [];
    const result = await pool.run(
      jobPlan('fn(s => s)', {}, { adaptor: '@openfn/language-common@99.0.0' }),
      {},
      { onEvent: (event) => events.push(event) },
    );
    expect(result).toMatchObject({
      reason: 'exception',
      error_type: 'AutoinstallError',
      error_message:
        'Could not install @openfn/language-common@99.0.0: version 99.0.0 of @openfn/language-common does not exist in the npm registry',
    });
    expectWellFormed(events);
    const log = logLines(events);
    expect(log).toContain('RTE error npm error code ETARGET');
    expect(log.some((line) => /^RTE error npm error notarget No matching version/.test(line))).toBe(
      true,
    );
    expect(log.slice(-2)).toEqual([
      'R/T info Run complete with status: exception',
      `R/T error AutoinstallError: ${result.error_message}`,
    ]);
    const failure = lines.find((line) => line.message === 'Could not install adaptor');
    expect(failure?.level).toBe('error');
    expect((failure?.fields as { npm?: string } | undefined)?.npm).toContain(
      'npm error code ETARGET',
    );
  });

  it('installs adaptors ahead of time, so the first run does not wait', async () => {
    const dir = freshDir();
    const pool = poolFor(dir);
    await pool.prepareAdaptors([SPEC]);
    expect(isInstalled(SPEC, dir)).toBe(true);
    const events: RunEvent[] = [];
    const result = await pool.run(
      jobPlan('fn(s => s)', {}, { adaptor: SPEC }),
      {},
      {
        onEvent: (event) => events.push(event),
      },
    );
    expect(result.reason).toBe('success');
    expect(logLines(events).filter((line) => line.includes('Install'))).toEqual([]);
  });
});

describe('stopping while npm installs', () => {
  it('ends npm at once and the waiting run as exception', async () => {
    const pool = poolFor(freshDir());
    let npmPids: number[] = [];
    const installing = new Promise<void>((resolve) => {
      void pool
        .run(
          jobPlan('fn(s => s)', {}, { adaptor: '@openfn/language-common@3.3.0' }),
          {},
          {
            onEvent: (event) => {
              if (event.type === 'log' && event.message.join('').startsWith('Installing')) {
                npmPids = runningNpmPids();
                resolve();
              }
            },
          },
        )
        .then((result) => {
          finished = result;
        });
    });
    let finished: Awaited<ReturnType<Pool['run']>> | undefined;
    await installing;
    expect(npmPids).toHaveLength(1);
    pool.stopInstalls();
    await expect.poll(() => finished, { timeout: 60_000 }).toBeDefined();
    expect(finished).toMatchObject({ reason: 'exception', error_type: 'AutoinstallError' });
    expect(finished?.error_message).toContain('shutting down');
    expect(isAlive(npmPids[0]!)).toBe(false);
  });

  it('leaves no npm running when the process exits on a signal', async () => {
    // A registry that accepts connections and never answers: npm then waits minutes without a
    // word, as the npm left orphaned for 14 minutes did (an npm that writes notices its parent is
    // gone through a broken pipe; a silent one does not).
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const dir = freshDir();
    const runtime = new URL('../../../runtime/dist/index.js', import.meta.url).href;
    // A process that exits on SIGTERM the way the CLI does once it has stopped (process.exit).
    const script = `
      const { installAdaptor, runningNpmPids } = await import(${JSON.stringify(runtime)});
      process.on('SIGTERM', () => process.exit(0));
      installAdaptor('@openfn/language-common@3.2.0', {
        adaptorsDir: ${JSON.stringify(dir)},
        onProgress: (p) => { if (p.type === 'installing') console.log('npm', runningNpmPids()[0]); },
      }).catch(() => {});
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, npm_config_registry: `http://127.0.0.1:${port}/` },
    });
    try {
      const npmPid = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /npm (\d+)/.exec(String(chunk));
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', () => reject(new Error('the process exited before npm started')));
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      // npm got SIGTERM from the exit handler; it is gone once it has handled it.
      await expect.poll(() => isAlive(npmPid), { timeout: 60_000 }).toBe(false);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

/** Running (a zombie left for a container's init to reap counts as ended). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
