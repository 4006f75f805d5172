import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoinstallError } from '../errors.js';
import { ADAPTORS_DIR, COMMON, ensureAdaptors, HTTP } from '../test-support/adaptors.js';
import { adaptorEntry, adaptorPath, installedVersions } from './adaptor-path.js';
import { installAdaptor } from './install-adaptor.js';
import { resolveLatest } from './resolve-latest.js';

function manifest(dir: string): { dependencies: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

describe('installAdaptor', () => {
  beforeAll(ensureAdaptors);

  it('installs each version under its name_version alias', () => {
    const dir = adaptorPath(HTTP, ADAPTORS_DIR);
    expect(dir.endsWith(path.join('node_modules', '@openfn', 'language-http_7.2.10'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe('7.2.10');
    expect(manifest(ADAPTORS_DIR).dependencies['@openfn/language-http_7.2.10']).toBe(
      'npm:@openfn/language-http@7.2.10',
    );
  });

  it('finds the ES module entry to import', async () => {
    const entry = adaptorEntry(adaptorPath(COMMON, ADAPTORS_DIR));
    expect(entry.endsWith(path.join('dist', 'index.js'))).toBe(true);
    const common = (await import(entry)) as Record<string, unknown>;
    expect(typeof common.fn).toBe('function');
    expect(typeof common.execute).toBe('function');
  });

  it('refuses a package outside the allow-list', async () => {
    await expect(installAdaptor('lodash@4.17.21', { adaptorsDir: ADAPTORS_DIR })).rejects.toThrow(
      'Adaptor lodash is not allowed: only packages matching @openfn/* can be installed',
    );
  });

  it('says clearly when a version does not exist', async () => {
    const attempt = installAdaptor('@openfn/language-common@99.0.0', { adaptorsDir: ADAPTORS_DIR });
    await expect(attempt).rejects.toBeInstanceOf(AutoinstallError);
    await expect(attempt).rejects.toThrow(
      'Could not install @openfn/language-common@99.0.0: version 99.0.0 of @openfn/language-common does not exist in the npm registry',
    );
  });

  it('says clearly when a package does not exist', async () => {
    await expect(
      installAdaptor('@openfn/language-no-such-adaptor@1.0.0', { adaptorsDir: ADAPTORS_DIR }),
    ).rejects.toThrow('package @openfn/language-no-such-adaptor was not found in the npm registry');
  });
});

describe('installAdaptor into a new folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lightning-adaptors-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs concurrent requests one after the other, versions side by side', async () => {
    const [newer, older] = await Promise.all([
      installAdaptor('@openfn/language-common@3.3.4', { adaptorsDir: dir }),
      installAdaptor('@openfn/language-common@3.3.1', { adaptorsDir: dir }),
    ]);
    expect(existsSync(path.join(newer.path, 'package.json'))).toBe(true);
    expect(existsSync(path.join(older.path, 'package.json'))).toBe(true);
    expect(Object.keys(manifest(dir).dependencies).sort()).toEqual([
      '@openfn/language-common_3.3.1',
      '@openfn/language-common_3.3.4',
    ]);
    expect(installedVersions('@openfn/language-common', dir)).toEqual(['3.3.4', '3.3.1']);
    expect(existsSync(path.join(dir, '.install.lock'))).toBe(false);
  });

  it('returns an installed version without waiting for the install lock', async () => {
    // Held by a live process (this one): an install would wait for it; a cached version does not.
    const lock = path.join(dir, '.install.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid }));
    try {
      const installed = await installAdaptor('@openfn/language-common@3.3.4', { adaptorsDir: dir });
      expect(installed).toMatchObject({ name: '@openfn/language-common', version: '3.3.4' });
    } finally {
      rmSync(lock, { force: true });
    }
  });
});

describe('resolveLatest', () => {
  it('resolves latest to a concrete version, once', async () => {
    const first = resolveLatest('@openfn/language-common');
    expect(resolveLatest('@openfn/language-common@latest')).toBe(first);
    expect(await first).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('fails with an AutoinstallError for an unknown package', async () => {
    await expect(resolveLatest('@openfn/language-no-such-adaptor')).rejects.toThrow(
      'Could not resolve @openfn/language-no-such-adaptor@latest: package @openfn/language-no-such-adaptor was not found in the npm registry',
    );
  });
});
