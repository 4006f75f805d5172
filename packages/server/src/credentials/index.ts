// The credentials context: credentials (owned by a user, body encrypted by the vault), their JSON
// schemas, sharing with projects, delivery to the workers executing runs, and the scrubbing of
// credential values from what runs store.

export {
  type CredentialDependencies,
  type CredentialUse,
  type CredentialView,
  createCredential,
  deleteCredential,
  getCredential,
  listCredentials,
  listProjectCredentials,
  type ProjectCredential,
  shareCredential,
  transferCredential,
  unshareCredential,
  updateCredential,
} from './credentials.js';
export { deliverRunCredential } from './delivery.js';
export { registerOAuthClientRoutes } from './oauth-client-routes.js';
export {
  loadOAuthClientSecrets,
  type OAuthClientSecrets,
  type OAuthClientView,
  usableOAuthClient,
} from './oauth-clients.js';
export { registerCredentialRoutes } from './routes.js';
export { loadRunScrubber } from './run-credentials.js';
export {
  BUNDLED_SCHEMAS_PATH,
  type CredentialSchema,
  type CredentialSchemas,
  credentialSchemasFor,
  loadCredentialSchemas,
} from './schemas.js';
export { SCRUBBED_EVENTS, scrubRunEvent } from './scrub-run-event.js';
export { createScrubber, MIN_SCRUBBED_LENGTH, SCRUBBED, type Scrubber } from './scrubber.js';
export { isSensitiveKey, MASK, maskBody, sensitiveValues } from './sensitive.js';
