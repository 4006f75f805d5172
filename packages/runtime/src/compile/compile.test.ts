import { describe, expect, it } from 'vitest';
import { CompileError } from '../errors.js';
import { compile } from './compile.js';

const http = {
  name: 'job',
  adaptorName: '@openfn/language-http@7.2.10',
  adaptorExports: ['get', 'post', 'fn', 'each', 'execute', 'dataValue'],
};

/** Compile and normalise whitespace, so assertions read like the code. */
function compiled(source: string, options = http): string {
  return compile(source, options).code.replace(/\s+/g, ' ').trim();
}

function compileError(source: string, name = 'job'): CompileError {
  try {
    compile(source, { name });
  } catch (error) {
    expect(error).toBeInstanceOf(CompileError);
    return error as CompileError;
  }
  throw new Error('expected a CompileError');
}

describe('compile', () => {
  it('exports the top-level calls, in source order, as the default array', () => {
    expect(compiled("get('/patients');\nfn(s => s);\npost('/x', {});")).toContain(
      "export default [get('/patients'), fn(s => s), post('/x', {})];",
    );
  });

  it('imports the adaptor functions the job uses, without the version suffix', () => {
    const code = compiled("get('/a'); fn(s => s);");
    expect(code).toContain('import {get, fn} from "@openfn/language-http";');
    expect(code).not.toContain('7.2.10');
  });

  it('re-exports the adaptor so its execute is found', () => {
    expect(compiled('fn(s => s);')).toContain('export * from "@openfn/language-http";');
  });

  it('does not import names the job declares, JS globals, or names the adaptor lacks', () => {
    const code = compiled(
      'const get = () => s => s;\nget();\nfn(s => { console.log(JSON.stringify(s)); return s; });\nmissing();',
    );
    expect(code).toContain('import {fn} from "@openfn/language-http";');
  });

  it('imports every undeclared non-global name when the export list is unknown', () => {
    const code = compiled('fn(s => s); custom(); Math.max(1, 2);', {
      name: 'job',
      adaptorName: '@openfn/language-common',
      adaptorExports: [],
    });
    expect(code).toContain('import {fn, custom} from "@openfn/language-common";');
  });

  it('sees declarations in inner scopes, parameters, and hoisted functions', () => {
    const code = compiled(
      'fn(state => { const each = 1; return { ...state, each }; });\nfn(helper);\nfunction helper(s) { return s; }',
    );
    expect(code).toContain('import {fn} from');
    expect(code).not.toContain('each} from');
    expect(code).not.toMatch(/import \{[^}]*helper/);
  });

  it('adds no imports or re-export without an adaptor', () => {
    expect(compile('fn(s => s);', { name: 'job' }).code.trim()).toBe(
      'export default [fn(s => s)];',
    );
  });

  it('keeps other statements where they are', () => {
    const code = compiled('const double = x => x * 2;\nfn(s => ({ ...s, n: double(2) }));');
    expect(code).toMatch(/^import .*const double = x => x \* 2; export default \[fn/);
  });

  it('turns $ inside an operation argument into a lazy function of state', () => {
    expect(compiled("each($.data.items, post('/x', $.data));")).toContain(
      "each(state => state.data.items, post('/x', state => state.data))",
    );
  });

  it('wraps the whole argument that holds $, once', () => {
    expect(compiled("post('/x', { id: $.data.id, name: $.data.name });")).toContain(
      "post('/x', state => ({ id: state.data.id, name: state.data.name }))",
    );
  });

  it('leaves $ alone when the job declares its own', () => {
    expect(compiled('const $ = { a: 1 };\nfn(s => ({ ...s, a: $.a }));')).toContain('$.a');
  });

  it('accepts $ inside a function whose parameter is state', () => {
    expect(compiled('fn(state => $.data);')).toContain('fn(state => state.data)');
  });

  it('refuses $ outside an operation argument, with its position', () => {
    const error = compileError('const x = 1;\nconst y = $.data;');
    expect(error.message).toBe(
      'job: invalid state operator: $ must be used inside the arguments of an operation (2:10)',
    );
    expect(error.line).toBe(2);
  });

  it('refuses $ inside a function whose parameter is not called state', () => {
    expect(compileError('fn(s => $.data);').message).toContain(
      'parameter "s" should be called "state"',
    );
  });

  it('keeps a top-level promise chain as one operation', () => {
    const result = compile("get('/a').then(s => s).catch(e => e);\nfn(s => s);", http);
    const code = result.code.replace(/\s+/g, ' ');
    expect(code).toContain('import {defer as _defer} from "@openfn/runtime";');
    expect(code).toContain(
      "export default [_defer(get('/a'), _promise => _promise.then(s => s).catch(e => e)), fn(s => s)];",
    );
    expect(result.operations).toEqual([
      { name: 'get', line: 1 },
      { name: 'fn', line: 2 },
    ]);
  });

  it('leaves a source that already has a default export as it is', () => {
    const source = "import { fn } from '@openfn/language-http';\nexport default [fn(s => s)];";
    const code = compiled(source);
    expect(code).toContain('export default [fn(s => s)];');
    expect(code.match(/export default/g)).toHaveLength(1);
    expect(code).not.toContain('import {fn} from "@openfn/language-http"; import');
  });

  it('reports syntax errors with job name, line and column', () => {
    const error = compileError("fn(s => s);\nget('/x' 'y');", 'Fetch patients');
    expect(error.message).toBe('Fetch patients: Unexpected token (2:9)');
    expect(error.type).toBe('CompileError');
    expect(error.severity).toBe('crash');
  });
});
