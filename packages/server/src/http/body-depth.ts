// One limit on how deep a parsed API body may nest, for every route at once. Many readers of a
// body recurse (validation walks, scrubbers, provisioning checks), and a JSON document 20,000
// levels deep — a few dozen kilobytes — overflows their stack into a 500. Refused here, before any
// handler sees it. Webhook bodies are streamed and checked by their own reader (triggers/).
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { isNestedDeeperThan, MAX_JSON_DEPTH } from '../db/index.js';
import { HttpError } from './errors.js';

export function installBodyDepthLimit(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const { body } = request;
    if (body === null || typeof body !== 'object' || body instanceof Readable) return;
    if (isNestedDeeperThan(body, MAX_JSON_DEPTH)) {
      throw new HttpError(400, `The body is nested more than ${MAX_JSON_DEPTH} levels deep`, {
        errors: { body: [`is nested more than ${MAX_JSON_DEPTH} levels deep`] },
      });
    }
  });
}
