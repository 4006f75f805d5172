// `GET /livez` (and `GET /`) → 200, for orchestrators' liveness probes, as OpenFn's worker
// serves on WORKER_PORT. Liveness only: a worker waiting for its server is alive.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LivezServer {
  port: number;
  close(): Promise<void>;
}

export async function startLivez(port: number, host = '0.0.0.0'): Promise<LivezServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const isProbe = req.method === 'GET' || req.method === 'HEAD';
    res.writeHead(isProbe && (path === '/' || path === '/livez') ? 200 : 404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
