import type Provider from 'oidc-provider';
import { isHashedClientSecret, verifyHashedClientSecret } from '../clients/client-secret.js';

/**
 * Lets oidc-provider authenticate clients whose stored `client_secret` is a digest
 * (client-secret.ts): client_secret_basic and client_secret_post call the Client prototype's
 * compareClientSecret (awaited), the hook oidc-provider's author points to for hashed secrets.
 * Secrets stored in plain text (static configuration, dynamic registration) compare as before.
 *
 * A digest cannot key an HMAC: a client whose secret is a digest may not use client_secret_jwt
 * or HS* algorithms (client-metadata.ts refuses that metadata).
 */
export function acceptHashedClientSecrets(provider: Provider): void {
  const prototype = provider.Client.prototype;
  const compareInPlainText = prototype.compareClientSecret;
  prototype.compareClientSecret = async function compareClientSecret(this: InstanceType<Provider['Client']>, actual: string) {
    if (isHashedClientSecret(this.clientSecret)) return verifyHashedClientSecret(this.clientSecret, actual);
    return compareInPlainText.call(this, actual);
  };
}
