// The adaptor registry: versions from the real npm registry, the built-in list when npm cannot be
// reached, installed versions, a registry file in Lightning's format and a broken one; and the
// route requiring a signed-in user.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../logger.js';
import { createTestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { compareVersions } from './functions.js';
import { createAdaptorRegistry } from './registry.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'adaptors-'));

// Nothing listens on port 1 of the loopback: an npm registry that cannot be reached.
const OFFLINE = 'http://127.0.0.1:1';

describe('the adaptor registry', () => {
  it('offers the versions npm publishes, newest first, when no registry file is set', async () => {
    const list = await createAdaptorRegistry({ logger }).list();
    const http = list.find((entry) => entry.name === '@openfn/language-http');
    // 7.2.10 is published (the tests install it) with older releases the built-in list lacks.
    expect(http?.versions).toEqual(expect.arrayContaining(['latest', '7.2.10']));
    expect(http?.versions.length).toBeGreaterThan(2);
    expect(http?.versions[0]).toBe('latest');
    expect(http?.versions.slice(1)).toEqual(
      [...(http?.versions.slice(1) ?? [])].sort((a, b) => compareVersions(b, a)),
    );
    expect(compareVersions(http?.latest ?? '0.0.0', '7.2.10')).toBeGreaterThanOrEqual(0);
    expect(http?.functions).toContain('post');
  });

  it('offers the built-in versions with their functions when npm cannot be reached', async () => {
    const list = await createAdaptorRegistry({ logger, npmRegistryUrl: OFFLINE }).list();
    const common = list.find((entry) => entry.name === '@openfn/language-common');
    expect(common).toMatchObject({ latest: '3.3.4', versions: ['latest', '3.3.4'] });
    expect(common?.functions).toEqual(expect.arrayContaining(['fn', 'each', 'dataValue']));
  });

  it('offers installed versions too, and an installed release newer than the source is latest', async () => {
    const adaptorsPath = mkdtempSync(join(tmpdir(), 'adaptors-versions-'));
    for (const folder of [
      'language-common_3.3.9',
      'language-common_3.3.4',
      'language-http_1.0.0',
    ]) {
      mkdirSync(join(adaptorsPath, 'node_modules', '@openfn', folder), { recursive: true });
    }
    const list = await createAdaptorRegistry({
      logger,
      npmRegistryUrl: OFFLINE,
      adaptorsPath,
    }).list();
    expect(list.find((entry) => entry.name === '@openfn/language-common')).toMatchObject({
      latest: '3.3.9',
      versions: ['latest', '3.3.9', '3.3.4'],
    });
    expect(list.find((entry) => entry.name === '@openfn/language-http')).toMatchObject({
      latest: '7.2.10',
      versions: ['latest', '7.2.10', '1.0.0'],
    });
  });

  it('reads ADAPTORS_REGISTRY_JSON_PATH in the registry cache format', async () => {
    const path = join(dir, 'registry.json');
    writeFileSync(
      path,
      JSON.stringify([
        {
          name: '@openfn/language-http',
          repo: 'x',
          latest: '6.0.0',
          versions: [{ version: '5.0.0' }, { version: '6.0.0' }],
        },
        { name: '@acme/language-acme', versions: ['1.0.0'] },
      ]),
    );
    const list = await createAdaptorRegistry({ path, logger, npmRegistryUrl: OFFLINE }).list();
    expect(list.map(({ name, latest, versions }) => ({ name, latest, versions }))).toEqual([
      { name: '@acme/language-acme', latest: '1.0.0', versions: ['latest', '1.0.0'] },
      { name: '@openfn/language-http', latest: '6.0.0', versions: ['latest', '6.0.0', '5.0.0'] },
    ]);
  });

  it('falls back to npm, then to the built-in list, when the file is unreadable', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{not json');
    const list = await createAdaptorRegistry({ path, logger, npmRegistryUrl: OFFLINE }).list();
    expect(list.find((entry) => entry.name === '@openfn/language-common')?.latest).toBe('3.3.4');
  });
});

/** An adaptors folder as `lightning worker` leaves it: `<name>_<version>` with the ast.json it ships. */
function installAdaptor(root: string, folder: string, operations: unknown[]) {
  const path = join(root, 'node_modules', '@openfn', folder);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'ast.json'), JSON.stringify({ operations, exports: [] }));
}

const operation = (name: string, params: string[], description: string, isPrivate = false) => ({
  name,
  params,
  docs: {
    description,
    tags: [{ title: isPrivate ? 'private' : 'public', description: null, type: null }],
  },
  valid: true,
});

describe('GET /api/adaptors', () => {
  let server: TestServer;
  const adaptorsPath = mkdtempSync(join(tmpdir(), 'adaptors-installed-'));
  beforeAll(async () => {
    installAdaptor(adaptorsPath, 'language-demo_1.2.0', [operation('old', [], 'Only in 1.2.0.')]);
    installAdaptor(adaptorsPath, 'language-demo_1.10.0', [
      operation('fetchPatients', ['query', 'options'], 'Fetches patients.\nMore detail.'),
      operation('execute', ['operations'], 'Internal.', true),
    ]);
    server = await startTestServer({ ADAPTORS_PATH: adaptorsPath });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers signed-in users only', async () => {
    expect((await fetch(`${server.baseUrl}/api/adaptors`)).status).toBe(401);
    const user = await createTestUser(server.database.db);
    const response = await fetch(`${server.baseUrl}/api/adaptors`, { headers: user.headers });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: Array<{ name: string }> };
    expect(data.map((entry) => entry.name)).toContain('@openfn/language-common');
  });

  it('lists the functions of an installed adaptor version from its ast.json, else the registry names', async () => {
    const user = await createTestUser(server.database.db);
    const functions = async (adaptor: string) => {
      const response = await fetch(
        `${server.baseUrl}/api/adaptors/functions?adaptor=${encodeURIComponent(adaptor)}`,
        { headers: user.headers },
      );
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    // `latest` is the highest installed version (1.10.0, not 1.2.0); private operations are left out.
    expect(await functions('@openfn/language-demo@latest')).toEqual({
      status: 200,
      body: {
        data: [
          { name: 'fetchPatients', params: ['query', 'options'], description: 'Fetches patients.' },
        ],
        meta: { source: 'installed' },
      },
    });
    expect((await functions('@openfn/language-demo@1.2.0')).body.data).toEqual([
      { name: 'old', params: [], description: 'Only in 1.2.0.' },
    ]);
    const common = await functions('@openfn/language-common@9.9.9');
    expect(common.body.meta).toEqual({ source: 'registry' });
    expect(common.body.data).toEqual(
      expect.arrayContaining([{ name: 'each', params: [], description: null }]),
    );
    expect(await functions('../../etc@1.0.0')).toMatchObject({
      status: 400,
      body: { errors: { adaptor: [expect.any(String)] } },
    });
  });
});
