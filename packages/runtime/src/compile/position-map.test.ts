import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { sourcePosition } from './position-map.js';

describe('position map', () => {
  const source = 'fn(s => s);\n\nfn(s => {\n  const x = null;\n  return x.y;\n});';
  const { code, positions } = compile(source, { name: 'job' });
  const compiledLines = code.split('\n');

  it('maps a compiled position back to the job source', () => {
    const line = compiledLines.findIndex((l) => l.includes('return x.y')) + 1;
    const column = compiledLines[line - 1]!.indexOf('x.y');
    expect(sourcePosition(positions, line, column)).toEqual({ line: 5, column: 9 });
  });

  it('uses the next mapped node on the line when none comes before', () => {
    const line = compiledLines.findIndex((l) => l.includes('const x')) + 1;
    expect(sourcePosition(positions, line, 0)).toEqual({ line: 4, column: 8 });
  });
});
