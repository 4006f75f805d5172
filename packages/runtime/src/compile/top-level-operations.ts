// Every top-level call in a job is an operation. They move, in source order, into the
// module's default export; every other statement (declarations, assignments) stays put.
import type * as acorn from 'acorn';
import { exportDefaultArray } from './builders.js';

export interface OperationInfo {
  /** The callee as written: `get`, `fn`, `_defer`, `http.get`. */
  name: string;
  /** 1-based source line. */
  line: number;
}

export function hasDefaultExport(program: acorn.Program): boolean {
  return program.body.some((s) => s.type === 'ExportDefaultDeclaration');
}

function calleeName(node: acorn.CallExpression): string {
  const callee = node.callee;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier') {
    const object = callee.object.type === 'Identifier' ? `${callee.object.name}.` : '';
    return `${object}${callee.property.name}`;
  }
  return 'operation';
}

export function collectTopLevelOperations(program: acorn.Program): OperationInfo[] {
  const operations: acorn.CallExpression[] = [];
  program.body = program.body.filter((statement) => {
    if (
      statement.type === 'ExpressionStatement' &&
      statement.expression.type === 'CallExpression'
    ) {
      operations.push(statement.expression);
      return false;
    }
    return true;
  });
  program.body.push(exportDefaultArray(operations));
  return operations.map((op) => {
    // A deferred chain is named after the operation it wraps.
    const named =
      op.callee.type === 'Identifier' &&
      op.callee.name === '_defer' &&
      op.arguments[0]?.type === 'CallExpression'
        ? op.arguments[0]
        : op;
    return { name: calleeName(named), line: op.loc?.start.line ?? named.loc?.start.line ?? -1 };
  });
}
