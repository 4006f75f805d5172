// The adaptor registry: the built-in list, a registry file in Lightning's format, and a broken
// file falling back to the built-in list; and the route requiring a signed-in user.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../logger.js';
import { createTestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createAdaptorRegistry } from './registry.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'adaptors-'));

describe('the adaptor registry', () => {
  it('offers the common adaptors with their functions when no registry file is set', async () => {
    const list = await createAdaptorRegistry(undefined, logger).list();
    const common = list.find((entry) => entry.name === '@openfn/language-common');
    expect(common).toMatchObject({ versions: ['latest', common?.latest] });
    expect(common?.functions).toEqual(expect.arrayContaining(['fn', 'each', 'dataValue']));
    expect(list.find((entry) => entry.name === '@openfn/language-http')?.functions).toContain(
      'post',
    );
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
    const list = await createAdaptorRegistry(path, logger).list();
    expect(list.map(({ name, latest, versions }) => ({ name, latest, versions }))).toEqual([
      { name: '@acme/language-acme', latest: '1.0.0', versions: ['latest', '1.0.0'] },
      { name: '@openfn/language-http', latest: '6.0.0', versions: ['latest', '5.0.0', '6.0.0'] },
    ]);
  });

  it('falls back to the built-in list when the file is unreadable', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{not json');
    const list = await createAdaptorRegistry(path, logger).list();
    expect(list.map((entry) => entry.name)).toContain('@openfn/language-common');
  });
});

describe('GET /api/adaptors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
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
});
