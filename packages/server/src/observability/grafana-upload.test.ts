// PROMEX_UPLOAD_GRAFANA_DASHBOARDS_ON_START: at start the server uploads its dashboards to a
// local stand-in for Grafana's HTTP API (`POST /api/dashboards/db`), which checks the requests as
// Grafana's API defines them: basic auth of PROMEX_GRAFANA_USER/PROMEX_GRAFANA_PASSWORD, a JSON
// body with `dashboard` (uid, title, panels, `id: null` for create-or-update), `overwrite: true`,
// and every datasource the PROMEX_DATASOURCE_ID given.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../logger.js';
import { startTestServer } from '../test-support/server.js';
import { readDashboards, uploadDashboards } from './grafana-upload.js';

interface Upload {
  authorization: string | undefined;
  type: string | undefined;
  body: {
    dashboard: {
      id: unknown;
      uid: string;
      title: string;
      panels: Array<{
        datasource: { uid: string };
        targets: Array<{ datasource: { uid: string } }>;
      }>;
    };
    overwrite: boolean;
  };
}

let grafana: Server;
let grafanaUrl: string;
const uploads: Upload[] = [];
const waiters: Array<() => void> = [];
const GOOD = `Basic ${Buffer.from('admin:grafana-pass').toString('base64')}`;

beforeAll(async () => {
  grafana = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/api/dashboards/db') {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"message":"Not found"}');
      return;
    }
    if (request.headers.authorization !== GOOD) {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"message":"invalid username or password"}');
      return;
    }
    const upload: Upload = {
      authorization: request.headers.authorization,
      type: request.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString()),
    };
    uploads.push(upload);
    for (const wake of waiters.splice(0)) wake();
    const { uid, title } = upload.body.dashboard;
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: uploads.length,
        uid,
        url: `/d/${uid}/${title}`,
        status: 'success',
        version: 1,
        slug: uid,
      }),
    );
  });
  await new Promise<void>((resolve) => grafana.listen(0, '127.0.0.1', resolve));
  grafanaUrl = `http://127.0.0.1:${(grafana.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => grafana?.close(resolve));
});

it("uploads every dashboard at start, as Grafana's API wants them", async () => {
  const expected = readDashboards('prom-1').map((dashboard) => dashboard.uid);
  expect(expected).toEqual([
    'lightning-errors',
    'lightning-run-queue',
    'lightning-throughput',
    'lightning-workers',
  ]);
  const server = await startTestServer({
    PROMEX_ENABLED: 'true',
    PROMEX_UPLOAD_GRAFANA_DASHBOARDS_ON_START: 'true',
    PROMEX_GRAFANA_HOST: grafanaUrl,
    PROMEX_GRAFANA_USER: 'admin',
    PROMEX_GRAFANA_PASSWORD: 'grafana-pass',
    PROMEX_DATASOURCE_ID: 'prom-1',
  });
  try {
    while (uploads.length < expected.length) {
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  } finally {
    await server.close();
  }
  expect(uploads.map((upload) => upload.body.dashboard.uid)).toEqual(expected);
  for (const upload of uploads) {
    expect(upload.type).toBe('application/json');
    expect(upload.body.overwrite).toBe(true);
    expect(upload.body.dashboard.id).toBeNull();
    expect(upload.body.dashboard.title).toMatch(/^Lightning: /);
    expect(upload.body.dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of upload.body.dashboard.panels) {
      expect(panel.datasource.uid).toBe('prom-1');
      for (const target of panel.targets) expect(target.datasource.uid).toBe('prom-1');
    }
    expect(JSON.stringify(upload.body)).not.toContain('${DATASOURCE_ID}');
  }
});

it('reports what Grafana refused (a wrong password) without throwing', async () => {
  const before = uploads.length;
  const result = await uploadDashboards({
    host: grafanaUrl,
    user: 'admin',
    password: 'wrong',
    datasourceId: 'prom-1',
    logger: createLogger('silent'),
  });
  expect(result.uploaded).toEqual([]);
  expect(result.failed).toHaveLength(4);
  expect(result.failed[0]!.problem).toBe('HTTP 401: invalid username or password');
  expect(uploads.length).toBe(before);
});
