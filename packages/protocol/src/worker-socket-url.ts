// The URL a worker opens: `{base}/websocket?token=…&api_version=1.2&worker_version=…&vsn=2.0.0`
// (the Phoenix JS client appends `/websocket` to the configured base, e.g. `ws://host/worker`).

import { API_VERSION, PHOENIX_VSN } from './constants.js';

export interface WorkerSocketParams {
  /** The worker socket token (`signWorkerToken`). */
  token: string;
  workerVersion: string;
  /** Default `API_VERSION`. */
  apiVersion?: string;
}

/**
 * @example
 * workerSocketUrl('ws://localhost:4000/worker', { token, workerVersion: '0.1.0' })
 * // 'ws://localhost:4000/worker/websocket?token=…&api_version=1.2&worker_version=0.1.0&vsn=2.0.0'
 */
export function workerSocketUrl(base: string, params: WorkerSocketParams): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/websocket`;
  url.searchParams.set('token', params.token);
  url.searchParams.set('api_version', params.apiVersion ?? API_VERSION);
  url.searchParams.set('worker_version', params.workerVersion);
  url.searchParams.set('vsn', PHOENIX_VSN);
  return url.toString();
}

/** What a server reads from the upgrade request's query. Missing values are `null`. */
export interface WorkerSocketQuery {
  token: string | null;
  apiVersion: string | null;
  workerVersion: string | null;
  vsn: string | null;
}

export function readWorkerSocketQuery(query: URLSearchParams | string): WorkerSocketQuery {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const read = (name: string) => {
    const value = params.get(name);
    return value === null || value === '' ? null : value;
  };
  return {
    token: read('token'),
    apiVersion: read('api_version'),
    workerVersion: read('worker_version'),
    vsn: read('vsn'),
  };
}
