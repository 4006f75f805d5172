// Constructors for the few AST nodes the compiler adds. Positions are zero: astring ignores
// them, and nothing maps compiled code back to these synthetic nodes.
import type * as acorn from 'acorn';

const at = { start: 0, end: 0 };

export function identifier(name: string): acorn.Identifier {
  return { type: 'Identifier', name, ...at };
}

export function literal(value: string): acorn.Literal {
  return { type: 'Literal', value, raw: JSON.stringify(value), ...at };
}

/** `param => body` */
export function arrow(param: string, body: acorn.Expression): acorn.ArrowFunctionExpression {
  return {
    type: 'ArrowFunctionExpression',
    id: null,
    params: [identifier(param)],
    body,
    expression: true,
    generator: false,
    async: false,
    ...at,
  };
}

export function call(callee: acorn.Expression, args: acorn.Expression[]): acorn.CallExpression {
  return { type: 'CallExpression', callee, arguments: args, optional: false, ...at };
}

/** `import { a, b as c } from 'source'` */
export function importNamed(
  source: string,
  names: { imported: string; local: string }[],
): acorn.ImportDeclaration {
  return {
    type: 'ImportDeclaration',
    specifiers: names.map(({ imported, local }) => ({
      type: 'ImportSpecifier',
      imported: identifier(imported),
      local: identifier(local),
      ...at,
    })),
    source: literal(source),
    attributes: [],
    ...at,
  };
}

/** `export * from 'source'` */
export function exportAll(source: string): acorn.ExportAllDeclaration {
  return {
    type: 'ExportAllDeclaration',
    exported: null,
    source: literal(source),
    attributes: [],
    ...at,
  };
}

/** `export default [ ...elements ]` */
export function exportDefaultArray(elements: acorn.Expression[]): acorn.ExportDefaultDeclaration {
  return {
    type: 'ExportDefaultDeclaration',
    declaration: { type: 'ArrayExpression', elements, ...at },
    ...at,
  };
}
