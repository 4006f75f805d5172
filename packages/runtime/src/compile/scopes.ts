// Minimal lexical scope analysis over an acorn AST: which names each scope declares, and
// whether a reference is declared by one of its enclosing scopes. The compiler needs this
// twice: to leave a job's own `$` alone, and to find the names a job uses without declaring
// (which are then imported from the adaptor).
import type * as acorn from 'acorn';
import * as walk from 'acorn-walk';

export type Scopes = Map<acorn.Node, Set<string>>;

export interface Reference {
  node: acorn.Identifier;
  /** Root first, the identifier itself last. */
  ancestors: acorn.Node[];
}

const BLOCK_SCOPES = new Set([
  'Program',
  'BlockStatement',
  'StaticBlock',
  'SwitchStatement',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
]);
const FUNCTION_SCOPES = new Set([
  'Program',
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
]);

/** Every name a pattern binds: `{ a, b: [c, ...d] = x }` → a, c, d. */
export function boundNames(pattern: acorn.Node | null | undefined): string[] {
  if (!pattern) return [];
  const node = pattern as acorn.Pattern;
  switch (node.type) {
    case 'Identifier':
      return [node.name];
    case 'ObjectPattern':
      return node.properties.flatMap((p) =>
        p.type === 'RestElement' ? boundNames(p.argument) : boundNames(p.value),
      );
    case 'ArrayPattern':
      return node.elements.flatMap((e) => boundNames(e));
    case 'RestElement':
      return boundNames(node.argument);
    case 'AssignmentPattern':
      return boundNames(node.left);
    default:
      return [];
  }
}

function declare(scopes: Scopes, scope: acorn.Node | undefined, names: string[]): void {
  if (!scope) return;
  let set = scopes.get(scope);
  if (!set) {
    set = new Set();
    scopes.set(scope, set);
  }
  for (const name of names) set.add(name);
}

/** The nearest ancestor (excluding the node itself) whose type is in `kinds`. */
function nearest(ancestors: acorn.Node[], kinds: Set<string>): acorn.Node | undefined {
  for (let i = ancestors.length - 2; i >= 0; i--) {
    const candidate = ancestors[i];
    if (candidate && kinds.has(candidate.type)) return candidate;
  }
  return undefined;
}

export function collectDeclarations(program: acorn.Program): Scopes {
  const scopes: Scopes = new Map();
  walk.ancestor(program, {
    VariableDeclaration(node, _state, ancestors) {
      const scope = nearest(ancestors, node.kind === 'var' ? FUNCTION_SCOPES : BLOCK_SCOPES);
      declare(
        scopes,
        scope,
        node.declarations.flatMap((d) => boundNames(d.id)),
      );
    },
    Function(node, _state, ancestors) {
      if (node.id) {
        const owner = node.type === 'FunctionDeclaration' ? nearest(ancestors, BLOCK_SCOPES) : node;
        declare(scopes, owner, [node.id.name]);
      }
      declare(
        scopes,
        node,
        node.params.flatMap((p) => boundNames(p)),
      );
    },
    Class(node, _state, ancestors) {
      if (node.id) {
        const owner = node.type === 'ClassDeclaration' ? nearest(ancestors, BLOCK_SCOPES) : node;
        declare(scopes, owner, [node.id.name]);
      }
    },
    CatchClause(node) {
      declare(scopes, node, boundNames(node.param));
    },
    ImportDeclaration(node) {
      declare(
        scopes,
        program,
        node.specifiers.map((s) => s.local.name),
      );
    },
  });
  return scopes;
}

/** Identifiers in reference position (not property names, keys or binding patterns). */
export function collectReferences(program: acorn.Program): Reference[] {
  const references: Reference[] = [];
  walk.ancestor(program, {
    Identifier(node, _state, ancestors) {
      references.push({ node, ancestors: [...ancestors] });
    },
  });
  return references;
}

export function isDeclared(name: string, ancestors: acorn.Node[], scopes: Scopes): boolean {
  return ancestors.some((node) => scopes.get(node)?.has(name) ?? false);
}
