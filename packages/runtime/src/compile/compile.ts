// Job source → ES module text. See runtime.md "Job source" for the rules; each transform lives
// in its own file beside this one and runs in this order:
//   lazy state ($) → promise chains → top-level operations → adaptor imports.
import { generate } from 'astring';
import { adaptorName as stripVersion } from '../adaptors/adaptor-spec.js';
import { addAdaptorImports } from './adaptor-imports.js';
import { importNamed } from './builders.js';
import { makeStateLazy } from './lazy-state.js';
import { parseJob } from './parse-job.js';
import { createPositionRecorder, type PositionMap } from './position-map.js';
import { DEFER_LOCAL, deferPromiseChains, RUNTIME_MODULE } from './promise-chains.js';
import { collectDeclarations } from './scopes.js';
import {
  collectTopLevelOperations,
  hasDefaultExport,
  type OperationInfo,
} from './top-level-operations.js';

export interface CompileOptions {
  /** Job name (or id), used in error messages: `CompileError: <name>: Unexpected token (1:19)`. */
  name: string;
  /** `@openfn/language-http@7.2.10` or `@openfn/language-http`; the version is not imported. */
  adaptorName?: string;
  /** The adaptor's export names. When given, only these are imported. */
  adaptorExports?: readonly string[];
  /** Further adaptors (no version) and their exports: names the job uses are imported too. */
  extraAdaptors?: readonly { name: string; exports: readonly string[] }[];
}

export interface CompiledJob {
  /** ES module whose default export is the array of operations. */
  code: string;
  /** One entry per operation, in order (empty when the source had its own default export). */
  operations: OperationInfo[];
  /** Names imported from the adaptor. */
  imports: string[];
  /** Maps positions in `code` back to the job source, for error positions. */
  positions: PositionMap;
}

/**
 * Compile a job into an ES module.
 *
 * @example
 * compile("get('/patients');", { name: 'a', adaptorName: '@openfn/language-http@7.2.10' }).code
 * // import {get} from "@openfn/language-http";
 * // export * from "@openfn/language-http";
 * // export default [get('/patients')];
 */
export function compile(source: string, options: CompileOptions): CompiledJob {
  const program = parseJob(source, options.name);

  makeStateLazy(program, collectDeclarations(program), options.name);

  const usesDefer = deferPromiseChains(program);
  const operations = hasDefaultExport(program) ? [] : collectTopLevelOperations(program);
  if (usesDefer) {
    program.body.unshift(importNamed(RUNTIME_MODULE, [{ imported: 'defer', local: DEFER_LOCAL }]));
  }

  let imports: string[] = [];
  if (options.adaptorName) {
    // Declarations changed (a `_defer` import may have been added), so collect them again.
    imports = addAdaptorImports(
      program,
      collectDeclarations(program),
      stripVersion(options.adaptorName),
      options.adaptorExports,
    );
  }
  for (const extra of options.extraAdaptors ?? []) {
    // Not re-exported: the main adaptor's `execute` must stay the module's only one.
    imports.push(
      ...addAdaptorImports(program, collectDeclarations(program), extra.name, extra.exports, false),
    );
  }

  const recorder = createPositionRecorder();
  const code = generate(program as unknown as Parameters<typeof generate>[0], {
    sourceMap: recorder as unknown as NonNullable<Parameters<typeof generate>[1]>['sourceMap'],
  });
  return { code, operations, imports, positions: recorder.map };
}
