// The worker runs executePlan in child processes started with Node's permission model,
// `--frozen-intrinsics` and `--disallow-code-generation-from-strings`. Those flags only apply
// to real files, so this builds the package into a private folder and runs a fixture there.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTORS_DIR, ensureAdaptors } from '../test-support/adaptors.js';
import { startServer, type TestServer } from '../test-support/http-server.js';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const repoRoot = path.resolve(packageDir, '..', '..');
// Inside the repo (gitignored .cache), so the build resolves acorn from the repo's node_modules.
const buildDir = path.join(repoRoot, '.cache', `runtime-flags-test-${process.pid}`);

describe('under the worker child process flags', () => {
  let server: TestServer;

  beforeAll(async () => {
    await ensureAdaptors();
    server = await startServer(() => ({ body: { patients: [1, 2, 3] } }));
    mkdirSync(buildDir, { recursive: true });
    execFileSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        path.join(packageDir, 'tsconfig.build.json'),
        '--outDir',
        path.join(buildDir, 'dist'),
        '--tsBuildInfoFile',
        path.join(buildDir, 'tsbuildinfo'),
      ],
      { stdio: 'pipe' },
    );
    // versions.ts reads the manifest two folders above its own file.
    copyFileSync(path.join(packageDir, 'package.json'), path.join(buildDir, 'package.json'));
    copyFileSync(
      path.join(packageDir, 'src', 'test-support', 'fixtures', 'run-under-flags.mjs'),
      path.join(buildDir, 'run-under-flags.mjs'),
    );
  });

  afterAll(async () => {
    await server?.close();
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('runs jobs, captures logs and still blocks eval and endless loops', async () => {
    // Asynchronously: the child calls this process's HTTP server, which must keep serving.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--experimental-permission',
        `--allow-fs-read=${buildDir}`,
        `--allow-fs-read=${path.join(repoRoot, 'node_modules')}`,
        `--allow-fs-read=${ADAPTORS_DIR}`,
        '--disallow-code-generation-from-strings',
        '--frozen-intrinsics',
        '--disable-warning=ExperimentalWarning',
        path.join(buildDir, 'run-under-flags.mjs'),
        path.join(buildDir, 'dist', 'index.js'),
        ADAPTORS_DIR,
        server.url,
      ],
      { env: {}, encoding: 'utf8', timeout: 60_000 },
    );
    const results = JSON.parse(stdout);
    expect(results.http.reason).toBe('success');
    expect(results.http.lines).toContain('JOB count 3');
    expect(
      results.http.lines.some((line: string) => /^ADA GET .*\/patients - 200/.test(line)),
    ).toBe(true);
    expect(results.evalAttempt).toMatchObject({ reason: 'kill', error_type: 'SecurityError' });
    expect(results.endlessLoop).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
  });
});
