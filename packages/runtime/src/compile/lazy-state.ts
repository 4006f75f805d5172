// `$` is a lazy reference to state: `post('/x', $.data)` means "post whatever `state.data` is
// when this operation runs", not when the job module loads. So the argument holding `$` is
// wrapped in `state => …` and `$` renamed to `state`; the adaptor calls function-valued
// arguments with the current state. A job that declares its own `$` keeps it.
import type * as acorn from 'acorn';
import { CompileError } from '../errors.js';
import { arrow } from './builders.js';
import { positionOf } from './parse-job.js';
import { replaceNode } from './replace-node.js';
import { collectReferences, isDeclared, type Scopes } from './scopes.js';

function isStatement(node: acorn.Node): boolean {
  return (
    node.type === 'Program' || node.type.endsWith('Statement') || node.type.endsWith('Declaration')
  );
}

export function makeStateLazy(program: acorn.Program, scopes: Scopes, jobName: string): void {
  const uses = collectReferences(program).filter(
    ({ node, ancestors }) => node.name === '$' && !isDeclared('$', ancestors, scopes),
  );
  const wrapped = new Set<acorn.Node>();

  for (const { node, ancestors } of uses) {
    const fail = (reason: string): never => {
      throw new CompileError(
        `${jobName}: invalid state operator: ${reason}${positionOf(node)}`,
        node.loc?.start,
      );
    };

    // Walk up to the nearest call: the child we came from is the argument to make lazy.
    let argument: acorn.Node = node;
    let callExpression: acorn.CallExpression | undefined;
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const parent = ancestors[i]!;
      if (parent.type === 'CallExpression') {
        callExpression = parent as acorn.CallExpression;
        break;
      }
      if (isStatement(parent)) fail('$ must be used inside the arguments of an operation');
      argument = parent;
    }
    if (!callExpression) {
      fail('$ must be used inside the arguments of an operation');
      continue;
    }
    if (argument === callExpression.callee || argument.type === 'SpreadElement') {
      fail('$ must be passed as an argument to an operation');
    }

    node.name = 'state';
    if (wrapped.has(argument)) continue;

    if (argument.type === 'ArrowFunctionExpression') {
      // Already a function of state: `fn(state => $.data)` just reads `state`.
      const params = (argument as acorn.ArrowFunctionExpression).params;
      const first = params[0];
      if (params.length !== 1 || first?.type !== 'Identifier') {
        fail('the function around $ must take exactly one parameter, `state`');
      } else if (first.name !== 'state') {
        fail(`parameter "${first.name}" should be called "state"`);
      }
      wrapped.add(argument);
      continue;
    }

    const lazy = arrow('state', argument as acorn.Expression);
    replaceNode(callExpression, argument, lazy);
    wrapped.add(argument);
  }
}
