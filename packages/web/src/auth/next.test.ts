import { describe, expect, it } from 'vitest';
import { safeNext } from './next';

describe('safeNext', () => {
  it('follows paths of this site', () => {
    expect(safeNext('/projects/1/settings?tab=x')).toBe('/projects/1/settings?tab=x');
  });

  it('refuses anything that would leave the site', () => {
    for (const next of [
      null,
      '',
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      expect(safeNext(next)).toBe('/projects');
    }
  });
});
