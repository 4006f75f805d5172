// Keeps docs/configuration.md, the variable catalogue and the loader in step: a variable read in
// code but not documented, or documented but never read, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, variables } from './index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');

const documented = new Map(
  [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|/gm)].map((m) => [
    m[1]!,
    m[2]!.trim(),
  ]),
);

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return ['node_modules', 'dist', 'test-support'].includes(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [path] : [];
  });

describe('docs/configuration.md', () => {
  it('documents every variable of the catalogue, with its default', () => {
    for (const [name, info] of Object.entries(variables)) {
      expect(documented.has(name), `${name} is missing from docs/configuration.md`).toBe(true);
      const shown = documented.get(name)!.replace(/`/g, '');
      expect(shown, `default of ${name}`).toBe(info.default === '' ? '—' : info.default);
    }
  });

  it('documents nothing that the code does not read', () => {
    for (const name of documented.keys()) {
      expect(name in variables, `${name} is documented but not in the catalogue`).toBe(true);
    }
  });

  it('reads every catalogued variable in the loader', () => {
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get: (_, name) => {
        read.add(String(name));
        return undefined;
      },
    });
    loadConfig(env);
    const unread = Object.keys(variables).filter((name) => !read.has(name));
    expect(unread).toEqual([]);
    const unknown = [...read].filter((name) => !(name in variables));
    expect(unknown).toEqual([]);
  });

  it('reads the environment nowhere outside config/', () => {
    const offenders = [
      'packages/server/src',
      'packages/worker/src',
      'packages/runtime/src',
      'packages/cli/src',
      'packages/protocol/src',
    ]
      .flatMap((dir) => sourceFiles(join(root, dir)))
      .filter((file) => !file.includes(`${join('server', 'src', 'config')}`))
      .filter((file) => /process\.env\s*(\.|\[)/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
