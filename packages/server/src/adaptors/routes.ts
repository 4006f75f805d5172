// `GET /api/adaptors`: the adaptors the workflow editor offers, with versions and function names.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { HttpError } from '../http/errors.js';
import { installedAdaptorFunctions, parseAdaptorSpec } from './functions.js';
import { createAdaptorRegistry } from './registry.js';

export async function registerAdaptorRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const registry = createAdaptorRegistry({
    path: context.config.workers.adaptorsRegistryJsonPath,
    adaptorsPath: context.config.workers.adaptorsPath,
    logger: context.logger,
  });
  app.get('/api/adaptors', async (request) => {
    requireActor(request);
    return { data: await registry.list() };
  });

  // `?adaptor=@openfn/language-http@6.5.1`: the functions for the code editor's completions, from
  // the installed adaptor when there is one (with parameters and a line of description), else the
  // registry's names.
  const query = z.strictObject({ adaptor: z.string().min(1).max(214) });
  app.get('/api/adaptors/functions', async (request) => {
    requireActor(request);
    const parsed = query.safeParse(request.query ?? {});
    const spec = parsed.success ? parseAdaptorSpec(parsed.data.adaptor) : null;
    if (!spec) {
      throw new HttpError(400, 'Invalid query parameters', {
        errors: {
          adaptor: ['must be an adaptor as name@version, e.g. @openfn/language-common@latest'],
        },
      });
    }
    const installed = await installedAdaptorFunctions(
      context.config.workers.adaptorsPath,
      `${spec.name}@${spec.version}`,
    );
    if (installed) return { data: installed, meta: { source: 'installed' } };
    const known = (await registry.list()).find((entry) => entry.name === spec.name);
    return {
      data: (known?.functions ?? []).map((name) => ({ name, params: [], description: null })),
      meta: { source: 'registry' },
    };
  });
}
