// A top-level `get('/x').then(f).catch(g)` must stay one operation: the operation runs when
// its turn comes, and `f`/`g` see the promise of its result. It is rewritten to
// `_defer(get('/x'), _promise => _promise.then(f).catch(g))`, with `defer` imported from
// `@openfn/runtime` (the same shape OpenFn's compiler emits, so precompiled jobs also run).
import type * as acorn from 'acorn';
import { arrow, call, identifier } from './builders.js';
import { replaceNode } from './replace-node.js';

export const DEFER_LOCAL = '_defer';
export const RUNTIME_MODULE = '@openfn/runtime';
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

/** `x.then(...)`: the object `x` when the call is a promise-method call, else undefined. */
function promiseCallTarget(node: acorn.Node): acorn.Expression | undefined {
  if (node.type !== 'CallExpression') return undefined;
  const callee = (node as acorn.CallExpression).callee;
  if (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    callee.property.type === 'Identifier' &&
    PROMISE_METHODS.has(callee.property.name) &&
    callee.object.type !== 'Super'
  ) {
    return callee.object;
  }
  return undefined;
}

/** Rewrites top-level promise chains in place; returns whether `_defer` is now used. */
export function deferPromiseChains(program: acorn.Program): boolean {
  let used = false;
  for (const statement of program.body) {
    if (statement.type !== 'ExpressionStatement') continue;
    if (!promiseCallTarget(statement.expression)) continue;

    // Descend the chain to the operation call at its root, remembering who holds it.
    let holder = (statement.expression as acorn.CallExpression).callee as acorn.MemberExpression;
    let root = holder.object;
    while (promiseCallTarget(root)) {
      holder = (root as acorn.CallExpression).callee as acorn.MemberExpression;
      root = holder.object;
    }
    if (root.type !== 'CallExpression') continue;

    replaceNode(holder, root, identifier('_promise'));
    statement.expression = call(identifier(DEFER_LOCAL), [
      root,
      arrow('_promise', statement.expression),
    ]);
    used = true;
  }
  return used;
}
