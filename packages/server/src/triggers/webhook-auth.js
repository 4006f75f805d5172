// Webhook authentication, as Lightning's WebhookAuth plug: a trigger with auth methods accepts a
// request whose `x-api-key` header equals one API-key method's key, or whose `Authorization: Basic`
// credentials equal one basic method's username and password. Comparisons are constant-time (on
// SHA-256 digests, so lengths leak nothing either), and every method is checked, match or not.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value) => createHash('sha256').update(value, 'utf8').digest();
function sameSecret(given, stored) {
  return timingSafeEqual(digest(given), digest(stored));
}
function presentedCredentials(headers) {
  const presented = {};
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') presented.apiKey = apiKey;
  const authorization = headers.authorization;
  const match =
    typeof authorization === 'string' ? /^Basic\s+(\S+)\s*$/i.exec(authorization) : null;
  if (match) {
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    presented.basic =
      colon === -1
        ? { username: decoded, password: '' }
        : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return presented;
}
/** Checks the request's credentials against the trigger's auth methods. */
export function checkWebhookAuth(methods, headers, vault) {
  if (methods.length === 0) return 'ok';
  const presented = presentedCredentials(headers);
  if (presented.apiKey === undefined && presented.basic === undefined) return 'missing';
  let matched = false;
  for (const method of methods) {
    if (method.authType === 'api' && method.apiKey && presented.apiKey !== undefined) {
      // `|=`-style accumulation: no early exit, so timing does not tell which method matched.
      matched = sameSecret(presented.apiKey, vault.decryptString(method.apiKey)) || matched;
    } else if (
      method.authType === 'basic' &&
      method.username &&
      method.password &&
      presented.basic !== undefined
    ) {
      const user = sameSecret(presented.basic.username, vault.decryptString(method.username));
      const pass = sameSecret(presented.basic.password, vault.decryptString(method.password));
      matched = (user && pass) || matched;
    }
  }
  return matched ? 'ok' : 'wrong';
}
//# sourceMappingURL=webhook-auth.js.map
