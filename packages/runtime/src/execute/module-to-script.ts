// Turns a compiled job module (ES module text) into the source of one async function that a
// `vm.Script` can run. Why not `vm.SourceTextModule`? It needs Node's
// `--experimental-vm-modules` flag in every process that runs jobs (the worker's child
// processes, the CLI, the test runner), and its linker API is still experimental. A module's
// imports and exports are simple to express as parameters instead:
//
//   import { get } from '@openfn/language-http'  →  const { "get": get } = __lightning.import("@openfn/language-http");
//   export * from '@openfn/language-http'        →  __lightning.exportAll(__lightning.import("@openfn/language-http"));
//   export default [get('/x')]                   →  __lx.default = [get('/x')]
//   import('x')                                  →  __dyn_('x')
//
// The code is edited in place rather than reprinted, and every edit keeps the lines and
// columns of the code around it (`export default ` and `__lx.default = ` have the same
// length), so a position in a stack trace is a position in the compiled module, one line down.
// Static imports are listed so the host can load them (asynchronously, in its own realm)
// before the function runs; `__lightning.import` then only looks them up.
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { generate } from 'astring';
import { boundNames } from '../compile/scopes.js';
import { CompileError } from '../errors.js';

export const MODULE_PARAM = '__lightning';
const EXPORTS_PARAM = '__lx';
const DYNAMIC_IMPORT_PARAM = '__dyn_';

/** The job script's first line; the module's line N is the script's line N + 1. */
export const SCRIPT_HEADER_LINES = 1;

export interface JobScript {
  /** `(async function (__lightning, __lx, __dyn_) { ... })` */
  source: string;
  /** Module specifiers imported statically, in order of appearance. */
  imports: string[];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const at = { start: 0, end: 0 };
const str = (value: string): acorn.Literal => ({
  type: 'Literal',
  value,
  raw: JSON.stringify(value),
  ...at,
});

function importOf(source: string): string {
  return `${MODULE_PARAM}.import(${JSON.stringify(source)})`;
}

function exportAssignment(name: string, value: string): string {
  return `${EXPORTS_PARAM}[${JSON.stringify(name)}] = ${value};`;
}

function nameOf(node: acorn.Identifier | acorn.Literal): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

function importText(node: acorn.ImportDeclaration): string {
  const source = String(node.source.value);
  const parts: string[] = [];
  const named: string[] = [];
  for (const specifier of node.specifiers) {
    if (specifier.type === 'ImportDefaultSpecifier') {
      parts.push(`const ${specifier.local.name} = ${importOf(source)}.default;`);
    } else if (specifier.type === 'ImportNamespaceSpecifier') {
      parts.push(`const ${specifier.local.name} = ${importOf(source)};`);
    } else {
      named.push(`${generate(str(nameOf(specifier.imported)) as never)}: ${specifier.local.name}`);
    }
  }
  if (named.length) parts.push(`const { ${named.join(', ')} } = ${importOf(source)};`);
  // `import 'x'` still loads the module.
  if (!node.specifiers.length) parts.push(`${importOf(source)};`);
  return parts.join(' ');
}

function declaredNames(declaration: acorn.Declaration): string[] {
  if (declaration.type === 'VariableDeclaration') {
    return declaration.declarations.flatMap((d) => boundNames(d.id));
  }
  return declaration.id ? [declaration.id.name] : [];
}

/** The same text with everything but line breaks turned into spaces. */
function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

/** Replace a whole statement, keeping its line count. */
function replaceStatement(node: acorn.Node, code: string, text: string): Edit {
  const newlines = code.slice(node.start, node.end).split('\n').length - 1;
  return { start: node.start, end: node.end, text: text + '\n'.repeat(newlines) };
}

function exportEdits(node: acorn.ModuleDeclaration, code: string): Edit[] {
  switch (node.type) {
    case 'ExportAllDeclaration': {
      const source = importOf(String(node.source.value));
      const text = node.exported
        ? exportAssignment(nameOf(node.exported), source)
        : `${MODULE_PARAM}.exportAll(${source});`;
      return [replaceStatement(node, code, text)];
    }
    case 'ExportDefaultDeclaration': {
      const declaration = node.declaration;
      const isDeclaration =
        declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration';
      if (isDeclaration && declaration.id) {
        // `export default function f() {}` declares f: keep it, then export it.
        return [
          {
            start: node.start,
            end: declaration.start,
            text: blank(code.slice(node.start, declaration.start)),
          },
          {
            start: node.end,
            end: node.end,
            text: ` ${exportAssignment('default', declaration.id.name)}`,
          },
        ];
      }
      // `export default ` and `__lx.default = ` are both 15 characters.
      const original = code.slice(node.start, declaration.start);
      const prefix = `${EXPORTS_PARAM}.default =`;
      const text = original.includes('\n')
        ? `${prefix} ${'\n'.repeat(original.split('\n').length - 1)}`
        : `${prefix} `.padEnd(original.length);
      return [
        { start: node.start, end: declaration.start, text },
        ...(isDeclaration ? [{ start: node.end, end: node.end, text: ';' }] : []),
      ];
    }
    case 'ExportNamedDeclaration': {
      if (node.declaration) {
        const names = declaredNames(node.declaration);
        return [
          {
            start: node.start,
            end: node.declaration.start,
            text: blank(code.slice(node.start, node.declaration.start)),
          },
          {
            start: node.end,
            end: node.end,
            text: ` ${names.map((n) => exportAssignment(n, n)).join(' ')}`,
          },
        ];
      }
      const source = node.source ? importOf(String(node.source.value)) : undefined;
      const text = node.specifiers
        .map((s) => {
          const local = nameOf(s.local);
          return exportAssignment(
            nameOf(s.exported),
            source ? `${source}[${JSON.stringify(local)}]` : local,
          );
        })
        .join(' ');
      return [replaceStatement(node, code, text)];
    }
    default:
      return [];
  }
}

/** Convert compiled job module text into a function source for `vm.Script`. */
export function moduleToScript(moduleCode: string, jobName: string): JobScript {
  // A hashbang line is legal at the top of a module, not inside a function.
  const code = moduleCode.startsWith('#!') ? moduleCode.replace(/^#![^\n]*/, '') : moduleCode;
  let program: acorn.Program;
  try {
    program = acorn.parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      locations: true,
      allowAwaitOutsideFunction: true,
    });
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    throw new CompileError(`${jobName}: ${(error as Error).message}`, loc);
  }

  const imports: string[] = [];
  const edits: Edit[] = [];
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') {
      imports.push(String(statement.source.value));
      edits.push(replaceStatement(statement, code, importText(statement)));
    } else if (
      statement.type === 'ExportAllDeclaration' ||
      statement.type === 'ExportDefaultDeclaration' ||
      statement.type === 'ExportNamedDeclaration'
    ) {
      if ('source' in statement && statement.source) imports.push(String(statement.source.value));
      edits.push(...exportEdits(statement, code));
    }
  }
  walk.simple(program, {
    ImportExpression(node) {
      // `import(` → `__dyn_(`: same length.
      edits.push({ start: node.start, end: node.source.start, text: `${DYNAMIC_IMPORT_PARAM}(` });
    },
    MetaProperty(node) {
      if (node.meta.name === 'import') {
        const width = node.end - node.start;
        edits.push({
          start: node.start,
          end: node.end,
          text: `({${' '.repeat(Math.max(0, width - 4))}})`,
        });
      }
    },
  });

  let body = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  }
  return {
    source: `(async function (${MODULE_PARAM}, ${EXPORTS_PARAM}, ${DYNAMIC_IMPORT_PARAM}) { "use strict";\n${body}\n})`,
    imports: [...new Set(imports)],
  };
}
