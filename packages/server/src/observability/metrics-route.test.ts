// The PROMEX_* variables' effect on `/metrics`, on a bare Fastify app with the real hook and route
// (the scrape by a real Prometheus is prometheus.test.ts): off by default, the bearer token, the
// scheme it must arrive over, no token at all, and the generated token printed once.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { generateDevKeys, loadConfig } from '../config/index.js';
import type { ServerContext } from '../http/context.js';
import { createLogger } from '../logger.js';
import { createServerMetrics } from './metrics.js';
import { registerObservabilityRoutes } from './routes.js';

async function appWith(env: Record<string, string>) {
  const { config } = loadConfig({ ...generateDevKeys(), ...env });
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('info', 'lightning', destination);
  const app = Fastify();
  const metrics = createServerMetrics();
  registerObservabilityRoutes(app, { config, logger, metrics } as ServerContext);
  await app.ready();
  return { app, lines };
}

describe('/metrics', () => {
  it('is not there unless PROMEX_ENABLED', async () => {
    const { app } = await appWith({ PROMEX_METRICS_ENDPOINT_TOKEN: 'abc' });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(404);
  });

  it('takes PROMEX_METRICS_ENDPOINT_TOKEN only over PROMEX_ENDPOINT_SCHEME (https by default)', async () => {
    const { app } = await appWith({ PROMEX_ENABLED: 'yes', PROMEX_METRICS_ENDPOINT_TOKEN: 'abc' });
    const overHttp = await app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer abc' },
    });
    expect(overHttp.statusCode).toBe(401);
    expect(overHttp.headers['www-authenticate']).toBe('Bearer');
    expect(overHttp.body).not.toContain('lightning_');
  });

  it('with PROMEX_ENDPOINT_SCHEME=http, serves the right token and refuses others', async () => {
    const { app } = await appWith({
      PROMEX_ENABLED: 'true',
      PROMEX_METRICS_ENDPOINT_TOKEN: 'abc',
      PROMEX_ENDPOINT_SCHEME: 'http',
    });
    const ok = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer abc' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('# TYPE lightning_run_queue_available_count gauge');
    for (const authorization of ['Bearer abd', 'Bearer abcd', 'abc', 'Basic abc']) {
      const refused = await app.inject({ url: '/metrics', headers: { authorization } });
      expect(refused.statusCode).toBe(401);
    }
  });

  it('needs no token with PROMEX_METRICS_ENDPOINT_AUTHORIZATION_REQUIRED=false', async () => {
    const { app } = await appWith({
      PROMEX_ENABLED: 'true',
      PROMEX_METRICS_ENDPOINT_AUTHORIZATION_REQUIRED: 'false',
    });
    const response = await app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('lightning_run_lost_count');
  });

  it('generates a token when none is set, prints it once, and takes it', async () => {
    const { app, lines } = await appWith({
      PROMEX_ENABLED: 'true',
      PROMEX_ENDPOINT_SCHEME: 'http',
    });
    const printed = lines.join('').match(/bearer token (\S+?)"/);
    expect(printed).not.toBeNull();
    const token = printed![1]!;
    expect(token.length).toBeGreaterThanOrEqual(40);
    const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } });
    expect(lines.join('').split(token).length - 1).toBe(1);
  });

  it('exposes the impeded-projects gauge only with PROMEX_EXPENSIVE_METRICS_ENABLED', () => {
    const text = (expensive: boolean) =>
      createServerMetrics({ expensiveMetrics: expensive }).registry.getMetricsAsArray();
    const names = (expensive: boolean) => text(expensive).map((metric) => metric.name);
    expect(names(true)).toContain('lightning_run_project_impeded_count');
    expect(names(false)).not.toContain('lightning_run_project_impeded_count');
  });
});
