import { describe, expect, it } from 'vitest';
import { safeClone, toSafeJson } from './safe-json.js';

describe('toSafeJson', () => {
  it('drops functions, symbols and references back to an enclosing object', () => {
    const state: Record<string, unknown> = { a: 1, f: () => 1, s: Symbol('x') };
    state.self = state;
    state.nested = { parent: state, ok: true };
    expect(JSON.parse(toSafeJson(state))).toEqual({ a: 1, nested: { ok: true } });
  });

  it('keeps an object that is shared without being a cycle', () => {
    const shared = { n: 1 };
    expect(safeClone({ first: shared, second: shared })).toEqual({
      first: { n: 1 },
      second: { n: 1 },
    });
  });

  it('writes bigints as strings and dates as ISO strings', () => {
    const date = new Date('2026-01-02T03:04:05.000Z');
    expect(safeClone({ big: 10n, date })).toEqual({ big: '10', date: '2026-01-02T03:04:05.000Z' });
  });
});
