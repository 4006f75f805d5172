import { describe, expect, it } from 'vitest';
import { createScrubber } from './scrub-secrets.js';

describe('createScrubber', () => {
  const scrub = createScrubber({
    baseUrl: 'https://api.example.org',
    username: 'ada',
    password: 'correct-horse',
    nested: { apiKey: 'k-123456', pin: 12345 },
  });

  it('masks secret values inside strings and logged objects', () => {
    expect(
      scrub(['token k-123456 used', { headers: { auth: 'correct-horse' }, list: ['12345'] }]),
    ).toEqual(['token *** used', { headers: { auth: '***' }, list: ['***'] }]);
  });

  it('masks the Basic auth form of username and password', () => {
    const basic = Buffer.from('ada:correct-horse').toString('base64');
    expect(scrub([`Authorization: Basic ${basic}`])).toEqual(['Authorization: Basic ***']);
  });

  it('leaves settings that are not secret readable', () => {
    expect(scrub(['GET https://api.example.org/patients as ada'])).toEqual([
      'GET https://api.example.org/patients as ada',
    ]);
  });

  it('changes nothing without a credential', () => {
    const message = ['plain', { a: 1 }];
    expect(createScrubber(undefined)(message)).toBe(message);
  });
});
