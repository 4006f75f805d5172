import { describe, expect, it } from 'vitest';
import { formatLogMessage, limitLogMessage, MB } from './log-message.js';
import { createScrubber } from './scrub-secrets.js';

const jsonBytes = (message: unknown[]) => Buffer.byteLength(JSON.stringify(message));

describe('formatLogMessage with a log payload limit', () => {
  it('keeps a message under the limit as it is', () => {
    expect(formatLogMessage(['hello', { a: 1 }, 2], { limitMb: 1 })).toEqual([
      'hello',
      { a: 1 },
      2,
    ]);
  });

  it('cuts a long string to the limit and ends it with a marker naming the limit', () => {
    const message = formatLogMessage(['z'.repeat(3 * MB)], { limitMb: 1 });
    expect(message).toHaveLength(1);
    const text = message[0] as string;
    expect(text.startsWith('z'.repeat(1000))).toBe(true);
    expect(text).toMatch(
      /… \[log line truncated: the line has at least 3145728 bytes; the log payload limit is 1 MB\]$/,
    );
    expect(jsonBytes(message)).toBeLessThanOrEqual(MB);
  });

  it('counts bytes, not characters: escaped and multi-byte text still fits', () => {
    const quotes = formatLogMessage(['"\u0001é🙂'.repeat(300_000)], { limitMb: 1 });
    expect(jsonBytes(quotes)).toBeLessThanOrEqual(MB);
    expect(quotes[0]).toMatch(/log line truncated/);
    // No half of a surrogate pair is left before the marker.
    expect((quotes[0] as string).includes('\ud83d …')).toBe(false);
  });

  it('cuts a message made large by an object, keeping its JSON text', () => {
    const rows = Array.from({ length: 50_000 }, (_, id) => ({ id, name: 'row name' }));
    const message = formatLogMessage(['rows', rows], { limitMb: 1 });
    expect(message).toHaveLength(1);
    expect((message[0] as string).startsWith('rows [{"id":0,"name":"row name"}')).toBe(true);
    expect(jsonBytes(message)).toBeLessThanOrEqual(MB);
  });

  it('scrubs a secret that straddles the limit before cutting', () => {
    const secret = 's3cr3t-'.repeat(100);
    const line = `${'a'.repeat(MB - 300)}${secret}${'b'.repeat(2 * MB)}`;
    const message = formatLogMessage([line], {
      limitMb: 1,
      scrub: createScrubber({ password: secret }),
    });
    const text = message[0] as string;
    expect(text.includes('s3cr')).toBe(false);
    expect(text.slice(MB - 300, MB - 297)).toBe('***');
  });

  it('leaves no part of a secret cut in half by the first, cheap cut', () => {
    const secret = 's3cr3t-'.repeat(100);
    // Past the limit, straddling the point where the long string is first sliced.
    const line = `${'a'.repeat(MB + 64 * 1024 - 200)}${secret}${'b'.repeat(MB)}`;
    const message = formatLogMessage([line], {
      limitMb: 1,
      scrub: createScrubber({ password: secret }),
    });
    const text = message[0] as string;
    expect(text.includes('s3cr')).toBe(false);
    expect(text).toMatch(/log line truncated/);
  });
});

describe('limitLogMessage', () => {
  it('returns a line within the limit untouched (the same array)', () => {
    const message = ['small', { ok: true }];
    expect(limitLogMessage(message, 1)).toBe(message);
  });

  it('cuts a line that reached the worker over the limit', () => {
    const message = limitLogMessage(['x'.repeat(2 * MB)], 0.5);
    expect(jsonBytes(message)).toBeLessThanOrEqual(0.5 * MB);
    expect(message[0]).toMatch(
      /… \[log line truncated: the line has 2097152 bytes; the log payload limit is 0.5 MB\]$/,
    );
  });
});
