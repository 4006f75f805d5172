// OAuth 2.0 and OpenID Connect plumbing shared by single sign-on (accounts) and OAuth credentials
// (credentials): provider configurations through openid-client and the authorizations in flight.

export {
  AUTHORIZATION_MAX_AGE_SECONDS,
  type PendingAuthorization,
  type StartedAuthorization,
  startAuthorization,
  takeAuthorization,
} from './authorizations.js';
export { endpointUrlProblem, isPlainHttp } from './endpoint-url.js';
export {
  type ClientCredentials,
  configureProvider,
  describeProviderError,
  discoverProvider,
  type ProviderEndpoints,
} from './provider.js';
