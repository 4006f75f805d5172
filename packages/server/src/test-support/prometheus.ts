// A real Prometheus server (Debian's `prometheus` package; `.ci/run` installs it) for the metrics
// tests: its binary started directly with a generated config on a free port, stopped by pid, its
// data in a temporary directory. Queried through its own HTTP API, as Grafana would.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScrapeTarget {
  /** `host:port` of the instance. */
  address: string;
  /** The bearer token Prometheus sends. */
  token: string;
  /** `http` unless said otherwise. */
  scheme?: string;
  /** The job's name (and the `job` label); default `lightning`. */
  job?: string;
}

export interface PrometheusServer {
  url: string;
  /** `/api/v1/query`: the instant vector's samples as `{ labels, value }`. */
  query(promql: string): Promise<Array<{ labels: Record<string, string>; value: number }>>;
  /** `/api/v1/targets`: the active targets' job, health and last error. */
  targets(): Promise<Array<{ job: string; health: string; lastError: string }>>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts Prometheus scraping the targets every second; resolves once it reports ready. */
export async function startPrometheus(targets: ScrapeTarget[]): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lightning-prometheus-'));
  const port = await freePort();
  const jobs = targets.map(
    (target) => `
  - job_name: ${target.job ?? 'lightning'}
    scheme: ${target.scheme ?? 'http'}
    authorization: { type: Bearer, credentials: '${target.token}' }
    static_configs: [ { targets: ['${target.address}'] } ]`,
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:${jobs.join('')}\n`,
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(`could not start prometheus (apt-get install prometheus): ${error.message}`),
      ),
    );
    child.once('exit', (code) => reject(new Error(`prometheus exited (${code}): ${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitUntilReady(url), started]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    query: async (promql) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
      return body.data.result.map((sample) => ({
        labels: sample.metric,
        value: Number(sample.value[1]),
      }));
    },
    targets: async () => {
      const response = await fetch(`${url}/api/v1/targets?state=active`);
      const body = (await response.json()) as {
        data: {
          activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }>;
        };
      };
      return body.data.activeTargets.map((target) => ({
        job: target.labels.job,
        health: target.health,
        lastError: target.lastError,
      }));
    },
    stop,
  };
}

/** Polls `/-/ready` (about a second after start) until it answers 200. */
async function waitUntilReady(url: string): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
