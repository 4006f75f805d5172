import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../errors.js';
import { moduleToScript } from './module-to-script.js';

/** Run converted module code with fake modules; returns its exports. */
async function evaluate(code: string, modules: Record<string, Record<string, unknown>>) {
  const { source, imports } = moduleToScript(code, 'job');
  const exports: Record<string, unknown> = {};
  const moduleFunction = vm.runInNewContext(source) as (...args: unknown[]) => Promise<void>;
  await moduleFunction(
    {
      import: (specifier: string) => modules[specifier],
      exportAll: (ns: Record<string, unknown>) => {
        for (const key of Object.keys(ns)) if (!(key in exports)) exports[key] = ns[key];
      },
    },
    exports,
    async (specifier: string) => modules[specifier],
  );
  return { exports, imports };
}

describe('moduleToScript', () => {
  const adaptor = { fn: (f: unknown) => f, execute: () => 'execute', default: { legacy: true } };

  it('lists static imports and binds named, default and namespace imports', async () => {
    const { exports, imports } = await evaluate(
      `import { fn as op } from 'a';
       import whole from 'a';
       import * as ns from 'b';
       export default [op(1), whole.legacy, ns.value];`,
      { a: adaptor, b: { value: 'b' } },
    );
    expect(imports).toEqual(['a', 'b']);
    expect(exports.default).toEqual([1, true, 'b']);
  });

  it('re-exports a module with export *', async () => {
    const { exports } = await evaluate("export * from 'a';\nexport default [];", { a: adaptor });
    expect(typeof exports.execute).toBe('function');
    expect(exports).not.toHaveProperty('fn', undefined);
  });

  it('exports declarations and specifiers by name', async () => {
    const { exports } = await evaluate(
      "export const x = 1, { y } = { y: 2 };\nexport function f() { return 3; }\nconst z = 4;\nexport { z as renamed };\nexport { fn } from 'a';",
      { a: adaptor },
    );
    expect(exports).toMatchObject({ x: 1, y: 2, renamed: 4, fn: adaptor.fn });
    expect((exports.f as () => number)()).toBe(3);
  });

  it('turns import() into a request to the host', async () => {
    const { exports } = await evaluate("const m = await import('b');\nexport default [m.value];", {
      b: { value: 'dynamic' },
    });
    expect(exports.default).toEqual(['dynamic']);
  });

  it('keeps every line and column of the module where it was, one line down', () => {
    const code =
      "import { fn } from 'a';\nexport * from 'a';\nconst x = 1;\nexport default [fn(s => s.data.x.y)];\n";
    const { source } = moduleToScript(code, 'job');
    const scriptLines = source.split('\n');
    code.split('\n').forEach((line, index) => {
      const column = line.indexOf('s.data');
      if (column !== -1) expect(scriptLines[index + 1]?.indexOf('s.data')).toBe(column);
    });
    expect(scriptLines).toHaveLength(code.split('\n').length + 2);
  });

  it('reports code that does not parse as a CompileError', () => {
    expect(() => moduleToScript('export default [', 'job')).toThrow(CompileError);
  });
});
