// Jobs call adaptor functions (`get`, `fn`, `each`) without importing them. The names a job
// uses but never declares are imported from the adaptor: only those the adaptor exports when
// its export list is known, else every such name that is not a JS/Node global. The module
// also re-exports the adaptor, which is how the runtime finds the adaptor's `execute`.
import type * as acorn from 'acorn';
import { exportAll, importNamed } from './builders.js';
import { IGNORED_GLOBALS } from './globals.js';
import { collectReferences, isDeclared, type Scopes } from './scopes.js';

/** Names used but not declared anywhere in scope, in order of first use. */
export function findUndeclaredNames(program: acorn.Program, scopes: Scopes): string[] {
  const names = new Set<string>();
  for (const { node, ancestors } of collectReferences(program)) {
    if (!isDeclared(node.name, ancestors, scopes)) names.add(node.name);
  }
  return [...names];
}

export function addAdaptorImports(
  program: acorn.Program,
  scopes: Scopes,
  adaptor: string,
  adaptorExports: readonly string[] | undefined,
  reexport = true,
): string[] {
  const exported = adaptorExports?.length ? new Set(adaptorExports) : undefined;
  const imported = findUndeclaredNames(program, scopes).filter((name) =>
    exported ? exported.has(name) : !IGNORED_GLOBALS.has(name),
  );

  const alreadyReexported = program.body.some(
    (s) => s.type === 'ExportAllDeclaration' && !s.exported && s.source.value === adaptor,
  );
  const header: (acorn.ImportDeclaration | acorn.ExportAllDeclaration)[] = [];
  if (imported.length) {
    header.push(
      importNamed(
        adaptor,
        imported.map((name) => ({ imported: name, local: name })),
      ),
    );
  }
  if (reexport && !alreadyReexported) header.push(exportAll(adaptor));
  program.body.unshift(...header);
  return imported;
}
