// Serves the built single-page web app (packages/web/dist) from the same origin as the API. Files are
// served as they are; any other GET from a browser (one that accepts text/html) for a path that is
// not the API, a webhook, the worker socket or a file answers index.html, so the app's own routes
// (`/projects/…`, and the links in emails such as `/users/reset_password/<token>`) survive a reload.
// Everything else keeps the JSON 404.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const NOT_APP_PREFIXES = ['/api/', '/i/', '/worker', '/health', '/assets/'];

/** Whether a GET is a browser navigating to one of the app's pages. */
export function isAppPage(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '/';
  if (path === '/api' || NOT_APP_PREFIXES.some((prefix) => path.startsWith(prefix))) return false;
  // A last segment with an extension names a file (missing, since static did not answer).
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (last.includes('.')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

export async function registerWebApp(app: FastifyInstance, root = WEB_DIST): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) return;
  await app.register(fastifyStatic, {
    root,
    index: ['index.html'],
    wildcard: false,
    // Hashed asset names change with their content; index.html must always be revalidated.
    setHeaders: (reply, filePath) => {
      reply.header(
        'cache-control',
        filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.get('/*', (request, reply) => {
    if (!isAppPage(request)) return reply.callNotFound();
    return reply.sendFile('index.html');
  });
}
