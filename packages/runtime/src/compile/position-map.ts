// Where a position in compiled code came from in the job source. The compiler reprints the
// job (astring), so line and column of a runtime error in compiled code mean nothing to the
// job's author; astring reports, for each node it writes, the source position the node was
// parsed from, and that is all a lookup needs. (No source-map library: one array suffices.)

/** `[compiledLine, compiledColumn, sourceLine, sourceColumn]`, lines 1-based, columns 0-based. */
export type PositionMap = [number, number, number, number][];

interface AstringMapping {
  original: { line: number; column: number } | null;
  generated: { line: number; column: number };
}

/** An object astring accepts as its `sourceMap` option, collecting a PositionMap. */
export function createPositionRecorder(): {
  addMapping(m: AstringMapping): void;
  map: PositionMap;
} {
  const map: PositionMap = [];
  return {
    map,
    addMapping(m) {
      // astring reuses one mapping object; copy the numbers now.
      if (m.original)
        map.push([m.generated.line, m.generated.column, m.original.line, m.original.column]);
    },
  };
}

/** The source position of the last mapped node at or before `line:column` of compiled code. */
export function sourcePosition(
  map: PositionMap,
  line: number,
  column: number,
): { line: number; column: number } | undefined {
  let found: PositionMap[number] | undefined;
  for (const entry of map) {
    if (entry[0] < line || (entry[0] === line && entry[1] <= column)) found = entry;
    else if (entry[0] > line) break;
  }
  return found ? { line: found[2], column: found[3] } : undefined;
}
