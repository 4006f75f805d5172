// Turns a compiled job module (ES module text) into the source of one async function that a
// `vm.Script` can run. Why not `vm.SourceTextModule`? It needs Node's
// `--experimental-vm-modules` flag in every process that runs jobs (the worker's child
// processes, the CLI, the test runner), and its linker API is still experimental. A module's
// imports and exports are simple to express as a parameter instead:
//
//   import { get } from '@openfn/language-http'  →  const { get } = __lightning.import("@openfn/language-http");
//   export * from '@openfn/language-http'        →  __lightning.exportAll(__lightning.import("@openfn/language-http"));
//   export default [get('/x')]                   →  __lightning.exports.default = [get('/x')];
//   import('x')                                  →  __lightning.dynamicImport('x')
//
// Static imports are listed so the host can load them (asynchronously, in its own realm)
// before the function runs; `__lightning.import` then only looks them up.
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { generate } from 'astring';
import { replaceNode } from '../compile/replace-node.js';
import { boundNames } from '../compile/scopes.js';
import { CompileError } from '../errors.js';

export const MODULE_PARAM = '__lightning';

export interface JobScript {
  /** `(async function (__lightning) { ... })` */
  source: string;
  /** Module specifiers imported statically, in order of appearance. */
  imports: string[];
}

const at = { start: 0, end: 0 };
const id = (name: string): acorn.Identifier => ({ type: 'Identifier', name, ...at });
const str = (value: string): acorn.Literal => ({
  type: 'Literal',
  value,
  raw: JSON.stringify(value),
  ...at,
});
const member = (object: acorn.Expression, property: string): acorn.MemberExpression => ({
  type: 'MemberExpression',
  object,
  property: id(property),
  computed: false,
  optional: false,
  ...at,
});
const callMethod = (method: string, args: acorn.Expression[]): acorn.CallExpression => ({
  type: 'CallExpression',
  callee: member(id(MODULE_PARAM), method),
  arguments: args,
  optional: false,
  ...at,
});
const importOf = (source: string) => callMethod('import', [str(source)]);

/** `__lightning.exports["name"] = value;` */
function exportAssignment(name: string, value: acorn.Expression): acorn.ExpressionStatement {
  return {
    type: 'ExpressionStatement',
    expression: {
      type: 'AssignmentExpression',
      operator: '=',
      left: {
        type: 'MemberExpression',
        object: member(id(MODULE_PARAM), 'exports'),
        property: str(name),
        computed: true,
        optional: false,
        ...at,
      },
      right: value,
      ...at,
    },
    ...at,
  };
}

function constDeclaration(
  target: acorn.Pattern,
  init: acorn.Expression,
): acorn.VariableDeclaration {
  return {
    type: 'VariableDeclaration',
    kind: 'const',
    declarations: [{ type: 'VariableDeclarator', id: target, init, ...at }],
    ...at,
  };
}

function nameOf(node: acorn.Identifier | acorn.Literal): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

function importStatements(node: acorn.ImportDeclaration): acorn.Statement[] {
  const source = String(node.source.value);
  const statements: acorn.Statement[] = [];
  const named: acorn.AssignmentProperty[] = [];
  for (const specifier of node.specifiers) {
    if (specifier.type === 'ImportDefaultSpecifier') {
      statements.push(constDeclaration(specifier.local, member(importOf(source), 'default')));
    } else if (specifier.type === 'ImportNamespaceSpecifier') {
      statements.push(constDeclaration(specifier.local, importOf(source)));
    } else {
      const imported = nameOf(specifier.imported);
      named.push({
        type: 'Property',
        key: str(imported),
        value: specifier.local as acorn.Pattern,
        kind: 'init',
        method: false,
        shorthand: false,
        computed: false,
        ...at,
      });
    }
  }
  if (named.length) {
    statements.push(
      constDeclaration({ type: 'ObjectPattern', properties: named, ...at }, importOf(source)),
    );
  }
  if (!node.specifiers.length) {
    // `import 'x'` still loads the module.
    statements.push({ type: 'ExpressionStatement', expression: importOf(source), ...at });
  }
  return statements;
}

function declaredNames(declaration: acorn.Declaration): string[] {
  if (declaration.type === 'VariableDeclaration') {
    return declaration.declarations.flatMap((d) => boundNames(d.id));
  }
  return declaration.id ? [declaration.id.name] : [];
}

function exportStatements(node: acorn.ModuleDeclaration): acorn.Statement[] {
  switch (node.type) {
    case 'ExportAllDeclaration': {
      const source = String(node.source.value);
      if (node.exported) return [exportAssignment(nameOf(node.exported), importOf(source))];
      return [
        {
          type: 'ExpressionStatement',
          expression: callMethod('exportAll', [importOf(source)]),
          ...at,
        },
      ];
    }
    case 'ExportDefaultDeclaration': {
      const declaration = node.declaration;
      if (
        (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') &&
        declaration.id
      ) {
        return [declaration, exportAssignment('default', declaration.id)];
      }
      const value =
        declaration.type === 'FunctionDeclaration'
          ? ({ ...declaration, type: 'FunctionExpression' } as acorn.FunctionExpression)
          : declaration.type === 'ClassDeclaration'
            ? ({ ...declaration, type: 'ClassExpression' } as acorn.ClassExpression)
            : (declaration as acorn.Expression);
      return [exportAssignment('default', value)];
    }
    case 'ExportNamedDeclaration': {
      if (node.declaration) {
        return [
          node.declaration,
          ...declaredNames(node.declaration).map((name) => exportAssignment(name, id(name))),
        ];
      }
      const source = node.source ? String(node.source.value) : undefined;
      return node.specifiers.map((s) =>
        exportAssignment(
          nameOf(s.exported),
          source
            ? (member(importOf(source), nameOf(s.local)) as acorn.Expression)
            : (s.local as acorn.Identifier),
        ),
      );
    }
    default:
      return [];
  }
}

/** Convert compiled job module text into a function source for `vm.Script`. */
export function moduleToScript(code: string, jobName: string): JobScript {
  let program: acorn.Program;
  try {
    program = acorn.parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      locations: true,
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
    });
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    throw new CompileError(`${jobName}: ${(error as Error).message}`, loc);
  }

  const imports: string[] = [];
  const hoisted: acorn.Statement[] = [];
  const body: acorn.Statement[] = [];
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') {
      imports.push(String(statement.source.value));
      hoisted.push(...importStatements(statement));
    } else if (
      statement.type === 'ExportAllDeclaration' ||
      statement.type === 'ExportDefaultDeclaration' ||
      statement.type === 'ExportNamedDeclaration'
    ) {
      if ('source' in statement && statement.source) imports.push(String(statement.source.value));
      body.push(...exportStatements(statement));
    } else {
      body.push(statement);
    }
  }
  program.body = [...hoisted, ...body];

  // import('x') and import.meta inside the code.
  walk.ancestor(program, {
    ImportExpression(node, _state, ancestors) {
      const parent = ancestors[ancestors.length - 2];
      if (parent) replaceNode(parent, node, callMethod('dynamicImport', [node.source]));
    },
    MetaProperty(node, _state, ancestors) {
      const parent = ancestors[ancestors.length - 2];
      if (parent && node.meta.name === 'import') {
        const empty: acorn.ObjectExpression = { type: 'ObjectExpression', properties: [], ...at };
        replaceNode(parent, node, empty);
      }
    },
  });

  const text = generate(program as unknown as Parameters<typeof generate>[0]);
  return {
    source: `(async function (${MODULE_PARAM}) {\n"use strict";\n${text}\n})`,
    imports: [...new Set(imports)],
  };
}
