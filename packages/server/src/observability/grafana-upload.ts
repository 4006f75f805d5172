// Uploads the repository's Grafana dashboards (packages/server/dashboards/*.json: run queue,
// throughput and latency, errors, workers) to PROMEX_GRAFANA_HOST at start, when
// PROMEX_UPLOAD_GRAFANA_DASHBOARDS_ON_START, through Grafana's HTTP API: `POST /api/dashboards/db`
// with basic auth (PROMEX_GRAFANA_USER / PROMEX_GRAFANA_PASSWORD), `overwrite: true` so a restart
// with newer dashboards replaces the old ones by uid. Every panel's datasource becomes the
// Prometheus datasource PROMEX_DATASOURCE_ID. A failed upload is logged; the server runs on.
import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { RELEASE } from './error-reporter.js';

const DASHBOARDS_DIR = new URL('../../dashboards/', import.meta.url);

export interface GrafanaUploadOptions {
  host: string;
  user: string | undefined;
  password: string | undefined;
  datasourceId: string;
  logger: Logger;
  timeoutMs?: number;
}

/** The dashboards as uploaded: the placeholder datasource replaced by PROMEX_DATASOURCE_ID. */
export function readDashboards(datasourceId: string): Array<Record<string, unknown>> {
  return readdirSync(DASHBOARDS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, DASHBOARDS_DIR), 'utf8');
      return JSON.parse(text.replaceAll('${DATASOURCE_ID}', datasourceId.replace(/"/g, '')));
    });
}

export interface UploadResult {
  uploaded: string[];
  failed: Array<{ uid: string; problem: string }>;
}

export async function uploadDashboards(options: GrafanaUploadOptions): Promise<UploadResult> {
  const result: UploadResult = { uploaded: [], failed: [] };
  const url = new URL('/api/dashboards/db', options.host).toString();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.user !== undefined) {
    const credentials = `${options.user}:${options.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  for (const dashboard of readDashboards(options.datasourceId)) {
    const uid = String(dashboard.uid);
    let problem: string | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          dashboard: { ...dashboard, id: null },
          overwrite: true,
          message: `Uploaded by ${RELEASE}`,
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const body = (await response.json().catch(() => ({}))) as { message?: string };
      if (!response.ok)
        problem = `HTTP ${response.status}${body.message ? `: ${body.message}` : ''}`;
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem === undefined) result.uploaded.push(uid);
    else result.failed.push({ uid, problem });
  }
  if (result.failed.length > 0) {
    options.logger.warn(
      { host: options.host, failed: result.failed },
      'Grafana: dashboards not uploaded',
    );
  } else {
    options.logger.info(
      { host: options.host, dashboards: result.uploaded },
      'Grafana: dashboards uploaded',
    );
  }
  return result;
}
