import * as acorn from 'acorn';
import { CompileError } from '../errors.js';

/** Parse job source as an ES module; syntax errors become `CompileError: <job>: <message> (l:c)`. */
export function parseJob(source: string, jobName: string): acorn.Program {
  try {
    return acorn.parse(source, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      locations: true,
      allowHashBang: true,
      allowAwaitOutsideFunction: true,
    });
  } catch (error) {
    if (error instanceof SyntaxError) {
      const loc = (error as SyntaxError & { loc?: { line: number; column: number } }).loc;
      throw new CompileError(`${jobName}: ${error.message}`, loc);
    }
    throw error;
  }
}

/** `(line:column)` of a node, in acorn's format, for compiler messages. */
export function positionOf(node: acorn.Node): string {
  return node.loc ? ` (${node.loc.start.line}:${node.loc.start.column})` : '';
}
