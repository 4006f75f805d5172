// Whether a parsed JSON value can be stored in a `jsonb` column as it is. PostgreSQL refuses
// `\u0000` in jsonb strings (22P05) and a lone UTF-16 surrogate escape (22P02), in keys as in
// values; and a document nested thousands of levels deep costs a recursion in every reader (our
// own code, the worker, the web app), so nesting is bounded too. The walk is iterative: a body
// nested 100,000 levels deep must not overflow the stack of the code that checks it.

/** How deep a stored JSON document may nest: far beyond any real payload, far below a stack. */
export const MAX_JSON_DEPTH = 512;

export interface UnstorableJson {
  /** Where, as a JavaScript-like path from the root: `body.items[3].name`. */
  path: string;
  problem: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with a string for PostgreSQL text or jsonb, or undefined when it can be stored. */
export function unstorableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) {
    return 'contains a lone Unicode surrogate, which is not valid text and cannot be stored';
  }
  return undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * The first place `value` cannot be stored in jsonb (a NUL or lone surrogate in a key or string,
 * or nesting deeper than `maxDepth`), or undefined. `root` names the value in the path.
 */
export function findUnstorableJson(
  value: unknown,
  root: string,
  maxDepth = MAX_JSON_DEPTH,
): UnstorableJson | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: root, depth: 0 },
  ];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableTextProblem(current);
      if (problem) return { path, problem };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) {
      const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path;
      return { path: shown, problem: `is nested more than ${maxDepth} levels deep` };
    }
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], path: childPath(path, index), depth: depth + 1 });
      }
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const keyProblem = unstorableTextProblem(key);
      if (keyProblem)
        return { path: childPath(path, key), problem: `has a key that ${keyProblem}` };
      stack.push({ value: child, path: childPath(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * True when `value` nests arrays and objects more than `maxDepth` levels deep (iteratively, so a
 * document of any depth is measured without recursion).
 */
export function isNestedDeeperThan(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object')
        stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
