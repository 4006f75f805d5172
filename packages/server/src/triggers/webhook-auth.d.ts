import type { IncomingHttpHeaders } from 'node:http';
import type { Vault } from '../vault/index.js';
import type { WebhookAuthSecret } from '../workflows/index.js';
/** `ok`: let it through; `missing`: no credentials sent (401); `wrong`: sent but no match (404). */
export type WebhookAuthResult = 'ok' | 'missing' | 'wrong';
/** Checks the request's credentials against the trigger's auth methods. */
export declare function checkWebhookAuth(
  methods: WebhookAuthSecret[],
  headers: IncomingHttpHeaders,
  vault: Vault,
): WebhookAuthResult;
