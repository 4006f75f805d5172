// acorn nodes carry no parent pointers; the walkers hand us ancestors instead, and this swaps
// one child of a parent for another wherever it sits (a field or an array slot).
import type * as acorn from 'acorn';

export function replaceNode(parent: acorn.Node, child: acorn.Node, replacement: acorn.Node): void {
  const record = parent as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === child) {
      record[key] = replacement;
      return;
    }
    if (Array.isArray(value)) {
      const index = value.indexOf(child);
      if (index !== -1) {
        value[index] = replacement;
        return;
      }
    }
  }
  throw new Error(`replaceNode: ${child.type} is not a child of ${parent.type}`);
}
