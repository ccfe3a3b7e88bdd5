import * as client from 'openid-client';

/** Registers a client through our open development registration endpoint (RFC 7591) with openid-client. */
export function registerClient(
  issuer: string,
  metadata: Partial<client.ClientMetadata>,
  auth?: client.ClientAuth,
): Promise<client.Configuration> {
  return client.dynamicClientRegistration(new URL(issuer), metadata, auth, { execute: [client.allowInsecureRequests] });
}
