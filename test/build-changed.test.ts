// `npm start` builds only what changed (scripts/build-changed.js), shown on a small workspace of
// its own: three packages whose build records that it ran, so no real build of this repository
// is disturbed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/build-changed.js', import.meta.url));

let root: string;

function writePackage(name: string, dependencies: Record<string, string> = {}): void {
  const dir = join(root, 'packages', name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'index.ts'), `export const name = '${name}';\n`);
  writeFileSync(join(dir, 'src', 'index.test.ts'), 'test file\n');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      private: true,
      dependencies,
      scripts: {
        build: `node -e "require('fs').mkdirSync('dist',{recursive:true});require('fs').appendFileSync('../../builds.log','${name}\\n')"`,
      },
    }),
  );
}

/** Runs the script; the packages it built, in order. */
function buildChanged(): string[] {
  rmSync(join(root, 'builds.log'), { force: true });
  const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  try {
    return readFileSync(join(root, 'builds.log'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
}

/** Saves a file again, a second later than anything before (as an editor would). */
function touch(path: string): void {
  const later = new Date(Date.now() + 1000);
  utimesSync(path, later, later);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lightning-build-changed-'));
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({
      name: 'fixture',
      private: true,
      workspaces: ['packages/base', 'packages/app', 'packages/other'],
    }),
  );
  writePackage('base');
  writePackage('app', { base: '0.0.0' });
  writePackage('other');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('npm start: build only what changed', () => {
  it('builds everything the first time, and nothing when nothing changed', () => {
    expect(buildChanged()).toEqual(['base', 'app', 'other']);
    expect(buildChanged()).toEqual([]);
  });

  it('rebuilds a package whose source changed, and the packages that depend on it', () => {
    buildChanged();
    touch(join(root, 'packages', 'base', 'src', 'index.ts'));
    expect(buildChanged()).toEqual(['base', 'app']);
    writeFileSync(join(root, 'packages', 'other', 'src', 'more.ts'), 'export {};\n');
    expect(buildChanged()).toEqual(['other']);
  });

  it('does not rebuild for a changed test file, but does for a missing dist/', () => {
    buildChanged();
    touch(join(root, 'packages', 'other', 'src', 'index.test.ts'));
    expect(buildChanged()).toEqual([]);
    rmSync(join(root, 'packages', 'other', 'dist'), { recursive: true });
    expect(buildChanged()).toEqual(['other']);
  });
});
