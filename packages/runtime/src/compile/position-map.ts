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

/**
 * The source position for `line:column` of compiled code: the last mapped node at or before
 * it on the same line, else the first one after it on that line (V8 often points at the start
 * of a statement or at `new`, which astring does not map), else the last one on an earlier line.
 */
export function sourcePosition(
  map: PositionMap,
  line: number,
  column: number,
): { line: number; column: number } | undefined {
  let before: PositionMap[number] | undefined;
  let after: PositionMap[number] | undefined;
  for (const entry of map) {
    if (entry[0] < line || (entry[0] === line && entry[1] <= column)) before = entry;
    else if (entry[0] === line && !after) after = entry;
  }
  const found = before && before[0] === line ? before : (after ?? before);
  return found ? { line: found[2], column: found[3] } : undefined;
}
