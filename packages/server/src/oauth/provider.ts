// openid-client configurations of the providers Lightning talks to: discovered from an issuer
// (single sign-on, Google, Salesforce) or built from the endpoints an administrator registered
// (generic OAuth clients). Plain http is allowed only where endpoint-url.ts allows it (loopback).
import * as client from 'openid-client';
import { isPlainHttp } from './endpoint-url.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const discovered = new Map<string, Promise<client.Configuration>>();

/**
 * The provider's configuration from `<issuer>/.well-known/openid-configuration`, fetched once per
 * issuer and client (a failed discovery is forgotten, so the next sign-in tries again).
 */
export function discoverProvider(
  issuer: string,
  { clientId, clientSecret }: ClientCredentials,
): Promise<client.Configuration> {
  const key = `${issuer} ${clientId} ${clientSecret}`;
  let found = discovered.get(key);
  if (!found) {
    found = client.discovery(
      new URL(issuer),
      clientId,
      clientSecret,
      undefined,
      isPlainHttp(issuer)
        ? { execute: [client.allowInsecureRequests], timeout: 15 }
        : { timeout: 15 },
    );
    found.catch(() => discovered.delete(key));
    discovered.set(key, found);
  }
  return found;
}

export interface ProviderEndpoints {
  /** Names the provider in the configuration (registered clients have no issuer of their own). */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint?: string | null;
  revocationEndpoint?: string | null;
}

/** A configuration from registered endpoints: no discovery, no ID token expected. */
export function configureProvider(
  endpoints: ProviderEndpoints,
  { clientId, clientSecret }: ClientCredentials,
): client.Configuration {
  const config = new client.Configuration(
    {
      issuer: endpoints.issuer,
      authorization_endpoint: endpoints.authorizationEndpoint,
      token_endpoint: endpoints.tokenEndpoint,
      ...(endpoints.userinfoEndpoint ? { userinfo_endpoint: endpoints.userinfoEndpoint } : {}),
      ...(endpoints.revocationEndpoint
        ? { revocation_endpoint: endpoints.revocationEndpoint }
        : {}),
    },
    clientId,
    clientSecret,
  );
  const plain = [endpoints.authorizationEndpoint, endpoints.tokenEndpoint].some(isPlainHttp);
  if (plain) client.allowInsecureRequests(config);
  return config;
}

/**
 * A provider's refusal in words fit for a user and a log: the OAuth error code and description
 * the provider sent (never a token), or the kind of failure.
 */
export function describeProviderError(error: unknown): string {
  if (error instanceof client.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (error instanceof client.AuthorizationResponseError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = (cause as { code?: string } | undefined)?.code;
    return code ? `${error.message} (${code})` : error.message;
  }
  return 'the provider could not be reached';
}
