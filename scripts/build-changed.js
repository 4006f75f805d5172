#!/usr/bin/env node
// `npm start` builds only the packages whose inputs changed since their last build (and the
// packages that depend on them), so a restart with nothing changed starts at once instead of
// running six builds (~25 s on a busy 2-core machine). `npm run build` still builds everything.
//
// A package's inputs are its sources (tests excluded: they are not built), its package.json and
// build configuration, the shared tsconfig.base.json and the lock file. Their paths, sizes and
// modification times are fingerprinted before the build and kept in node_modules/.cache; a file
// saved during a build therefore makes the next start build again.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository root, or another workspace root given as the first argument (tests).
const root = path.resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const stampDir = path.join(root, 'node_modules', '.cache', 'lightning-build');
const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Files and folders of a package that its build reads, besides `src/`. */
const EXTRA_INPUTS = [
  'package.json',
  'tsconfig.build.json',
  'tsconfig.json',
  'index.html',
  'vite.config.ts',
  'public',
];
const SHARED_INPUTS = ['tsconfig.base.json', 'package-lock.json'].map((name) =>
  path.join(root, name),
);
const isTest = (name) => /\.test\.tsx?$/.test(name) || name === 'test-support';

function collect(file, into) {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return; // an optional input this package does not have
  }
  if (stat.isDirectory()) {
    for (const entry of readdirSync(file)) {
      if (!isTest(entry)) collect(path.join(file, entry), into);
    }
  } else {
    into.push(`${path.relative(root, file)}:${stat.size}:${stat.mtimeMs}`);
  }
}

function fingerprint(dir) {
  const files = [];
  for (const input of ['src', ...EXTRA_INPUTS]) collect(path.join(dir, input), files);
  for (const input of SHARED_INPUTS) collect(input, files);
  return createHash('sha256').update(files.sort().join('\n')).digest('hex');
}

const rebuilt = new Set();
for (const workspace of workspaces) {
  const dir = path.join(root, workspace);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (!manifest.scripts?.build) continue;
  const stampFile = path.join(stampDir, `${manifest.name.replace(/[@/]/g, '_')}.sha256`);
  const current = fingerprint(dir);
  const previous = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : null;
  const dependsOnRebuilt = Object.keys(manifest.dependencies ?? {}).some((name) =>
    rebuilt.has(name),
  );
  const reason = dependsOnRebuilt
    ? 'a dependency was rebuilt'
    : previous === null
      ? 'no build recorded'
      : !existsSync(path.join(dir, 'dist'))
        ? 'no dist/'
        : current !== previous
          ? 'its sources changed'
          : null;
  if (!reason) continue;

  console.log(`build-changed: building ${manifest.name} (${reason})`);
  const result = spawnSync('npm', ['run', 'build', '--silent', '-w', manifest.name], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`build-changed: building ${manifest.name} failed (see above)`);
    process.exit(result.status ?? 1);
  }
  rebuilt.add(manifest.name);
  mkdirSync(stampDir, { recursive: true });
  writeFileSync(stampFile, current);
}
