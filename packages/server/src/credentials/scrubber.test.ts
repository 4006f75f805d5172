// The scrubber and the sensitivity rules on their own: which forms are replaced, which keys count
// as sensitive, and what is deliberately left alone.
import { createScrubber, MIN_SCRUBBED_LENGTH } from './scrubber.js';
import { isSensitiveKey, MASK, maskBody, restoreMasked, sensitiveValues } from './sensitive.js';

describe('createScrubber', () => {
  const secret = 'p@ss wörd/+=';
  const scrubber = createScrubber({
    values: [secret, 123456],
    pairs: [{ username: 'alice', password: secret }],
  });

  it('replaces the value and its encoded forms', () => {
    const base64 = Buffer.from(secret).toString('base64');
    const forms = [
      secret,
      JSON.stringify(secret).slice(1, -1),
      base64,
      base64.replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%20/g, '+'),
      Buffer.from(`alice:${secret}`).toString('base64'),
      '123456',
    ];
    for (const form of forms) {
      expect(scrubber.scrubText(`before ${form} after`)).toBe('before *** after');
    }
  });

  it('scrubs strings, keys and numbers of JSON text and keeps it valid', () => {
    const json = JSON.stringify({
      [secret]: [secret, `x${secret}y`],
      pin: 123456,
      n: 7,
      ok: 'yes',
    });
    expect(JSON.parse(scrubber.scrubJsonText(json))).toEqual({
      '***': ['***', 'x***y'],
      pin: '***',
      n: 7,
      ok: 'yes',
    });
    const untouched = '{"a": 1,   "b": "c"}';
    expect(scrubber.scrubJsonText(untouched)).toBe(untouched);
  });

  it(`leaves values shorter than ${MIN_SCRUBBED_LENGTH} characters alone`, () => {
    const short = createScrubber({ values: ['abc', 12, ''] });
    expect(short.isEmpty).toBe(true);
    expect(short.scrubText('abc 12')).toBe('abc 12');
  });

  it('replaces a longer value whole when it contains a shorter one', () => {
    const nested = createScrubber({ values: ['secret', 'secret-and-more'] });
    expect(nested.scrubText('x secret-and-more y secret')).toBe('x *** y ***');
  });
});

describe('sensitivity', () => {
  it('treats secret-looking keys as sensitive', () => {
    for (const key of [
      'password',
      'api_key',
      'apiKey',
      'clientSecret',
      'access-token',
      'refresh_tokens',
      'privateKey',
      'PIN',
      'passphrase',
    ]) {
      expect(isSensitiveKey(key), key).toBe(true);
    }
    for (const key of ['username', 'baseUrl', 'host', 'port', 'publicKey', 'tokenUrl']) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });

  it('counts each non-empty string or number at a sensitive path, nested ones included', () => {
    const body = {
      user: 'u',
      password: 'a',
      nested: { apiKey: 'b', list: [{ secret: 'c' }] },
      keys: ['d', '', null, true, 5],
      marked: 'e',
    };
    const found = sensitiveValues(body, (path) => path.join('.') === 'marked');
    expect(found.map((item) => item.value)).toEqual(['a', 'b', 'c', 'd', 5, 'e']);
  });

  it('masks and restores by path', () => {
    const saved = { user: 'u', password: 'old-password' };
    const masked = maskBody(saved, () => false);
    expect(masked).toEqual({ user: 'u', password: MASK });
    expect(restoreMasked({ ...masked, user: 'v' }, saved, () => false)).toEqual({
      body: { user: 'v', password: 'old-password' },
      unknownMasks: [],
    });
  });
});
