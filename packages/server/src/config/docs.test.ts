// Keeps docs/configuration.md, the variable catalogue and the loader in step: a variable read in
// code but not documented, or documented but never read, fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type VariableName, variables } from './index.js';
import { variableTests } from './variable-tests.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');

const documented = new Map(
  [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|/gm)].map((m) => [
    m[1]!,
    m[2]!.trim(),
  ]),
);

/** Each documented variable's meaning (third column). */
const meanings = new Map(
  [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|[^|]*\|\s*([^|]*?)\s*\|/gm)].map((m) => [
    m[1]!,
    m[2]!,
  ]),
);

const NOT_IMPLEMENTED = /accepted for compatibility; not implemented yet/i;
/** Tests that only parse the environment show no effect. */
const PARSE_ONLY = [
  'packages/server/src/config/load.test.ts',
  'packages/server/src/config/docs.test.ts',
];

/** What is wrong with a variable's evidence, or undefined when it is honest. */
function evidenceProblem(name: VariableName): string | undefined {
  const marked = NOT_IMPLEMENTED.test(meanings.get(name) ?? '');
  const tests = variableTests[name] ?? [];
  if (marked) {
    return tests.length > 0
      ? `${name} is documented as not implemented but variable-tests.ts lists a test of its effect`
      : undefined;
  }
  if (tests.length === 0) {
    return `${name} has no test of its effect in variable-tests.ts and is not documented as "Accepted for compatibility; not implemented yet"`;
  }
  for (const test of tests) {
    const path = join(root, test.file);
    if (!/\.test\.ts$/.test(test.file) || !existsSync(path)) {
      return `${name}: ${test.file} is not an existing test file`;
    }
    const mentioned = test.shows ?? name;
    if (!new RegExp(`\\b${mentioned}\\b`).test(readFileSync(path, 'utf8'))) {
      return `${name}: ${test.file} does not mention ${mentioned}`;
    }
    if (PARSE_ONLY.includes(test.file)) {
      const other = test.sameAs && variableTests[test.sameAs];
      if (!other || other.some((entry) => PARSE_ONLY.includes(entry.file))) {
        return `${name}: ${test.file} only parses it; name a test of its effect (or of the variable it is an alias of, with sameAs)`;
      }
    }
  }
  return undefined;
}

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

  it('has, for every variable, a test showing its effect or the "not implemented yet" marker', () => {
    const problems = (Object.keys(variables) as VariableName[])
      .map(evidenceProblem)
      .filter((problem) => problem !== undefined);
    expect(problems).toEqual([]);
  });

  it('catches a variable with neither a test nor the marker, and a test that does not mention it', () => {
    const saved = variableTests.PORT;
    try {
      variableTests.PORT = undefined;
      expect(evidenceProblem('PORT')).toMatch(/PORT has no test of its effect/);
      variableTests.PORT = [{ file: 'packages/server/src/http/cors.test.ts' }];
      expect(evidenceProblem('PORT')).toMatch(/does not mention PORT/);
      variableTests.PORT = [{ file: 'packages/server/src/config/load.test.ts' }];
      expect(evidenceProblem('PORT')).toMatch(/only parses it/);
    } finally {
      variableTests.PORT = saved;
    }
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
