// Resident memory of a child, read from outside it. The child's V8 heap limit
// (`--max-old-space-size`) does not count ArrayBuffer and Buffer memory, and a child busy in a
// synchronous loop cannot report anything itself, so the parent reads /proc instead.

import { readFileSync } from 'node:fs';

const pageSize = 4096;

/** Resident set size of `pid` in bytes, or null where /proc is not available or it exited. */
export function readRss(pid: number): number | null {
  try {
    // statm: size resident shared text lib data dt, in pages.
    const fields = readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ');
    const resident = Number(fields[1]);
    return Number.isFinite(resident) ? resident * pageSize : null;
  } catch {
    return null;
  }
}
