import { describe, expect, it } from '@jest/globals';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { registerClient } from '../helpers/register-client.js';
import { useGatehouse } from '../helpers/use-gatehouse.js';

const { server } = useGatehouse();

const SERVICE = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api:read' };

async function keyPair() {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig' } };
}

/** A client authenticating with private_key_jwt; `assertion` lets a test change the assertion it signs. */
async function privateKeyJwtClient(assertion?: (payload: Record<string, unknown>) => void) {
  const { privateKey, jwk } = await keyPair();
  const auth = client.PrivateKeyJwt(privateKey, assertion ? { [client.modifyAssertion]: (_header, payload) => assertion(payload) } : undefined);
  return registerClient(server.issuer, { ...SERVICE, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } }, auth);
}

describe('client authentication at the token endpoint, through openid-client', () => {
  it('offers exactly client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt and none', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
    expect([...metadata['token_endpoint_auth_methods_supported']!].sort())
      .toEqual(['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'none', 'private_key_jwt']);
    expect(metadata['token_endpoint_auth_signing_alg_values_supported']).toEqual(expect.arrayContaining(['ES256', 'RS256', 'HS256']));
  });

  it('private_key_jwt: a client signing assertions with its registered key gets a token the API accepts', async () => {
    const service = await privateKeyJwtClient();
    const tokens = await client.clientCredentialsGrant(service, { scope: 'api:read', resource: server.apiUrl });
    const response = await fetch(`${server.apiUrl}/protected`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client_id: service.clientMetadata().client_id });
  });

  it('private_key_jwt: a replayed assertion (same jti) is refused with invalid_client', async () => {
    const jti = crypto.randomUUID();
    const service = await privateKeyJwtClient((payload) => {
      payload['jti'] = jti;
    });
    await expect(client.clientCredentialsGrant(service, { scope: 'api:read' })).resolves.toHaveProperty('access_token');
    await expect(client.clientCredentialsGrant(service, { scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('private_key_jwt: the same assertion sent twice at once authenticates exactly one of the requests', async () => {
    const jti = crypto.randomUUID();
    const service = await privateKeyJwtClient((payload) => {
      payload['jti'] = jti;
    });
    const results = await Promise.allSettled([1, 2, 3].map(() => client.clientCredentialsGrant(service, { scope: 'api:read' })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((each) => each.status === 'rejected')) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ error: 'invalid_client' });
    }
  });

  it('private_key_jwt: an assertion that expires more than an hour ahead is refused (its jti would be kept that long)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const farFuture = await privateKeyJwtClient((payload) => {
      payload['exp'] = now + 3700;
    });
    await expect(client.clientCredentialsGrant(farFuture, { scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    const withinAnHour = await privateKeyJwtClient((payload) => {
      payload['exp'] = now + 3500;
    });
    await expect(client.clientCredentialsGrant(withinAnHour, { scope: 'api:read' })).resolves.toHaveProperty('access_token');
  });

  it('private_key_jwt: an assertion signed by a key the client did not register is refused', async () => {
    const registered = await privateKeyJwtClient();
    const stranger = await keyPair();
    const impostor = new client.Configuration(registered.serverMetadata(), registered.clientMetadata().client_id, undefined, client.PrivateKeyJwt(stranger.privateKey));
    client.allowInsecureRequests(impostor);
    await expect(client.clientCredentialsGrant(impostor, { scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('client_secret_jwt: an assertion MACed with the issued secret authenticates', async () => {
    const registered = await registerClient(server.issuer, { ...SERVICE, token_endpoint_auth_method: 'client_secret_jwt' });
    const secret = String(registered.clientMetadata().client_secret);
    const service = new client.Configuration(registered.serverMetadata(), registered.clientMetadata().client_id, undefined, client.ClientSecretJwt(secret));
    client.allowInsecureRequests(service);
    await expect(client.clientCredentialsGrant(service, { scope: 'api:read' })).resolves.toHaveProperty('access_token');
  });

  it('client_secret_post: the secret in the form body authenticates', async () => {
    const registered = await registerClient(server.issuer, { ...SERVICE, token_endpoint_auth_method: 'client_secret_post' });
    await expect(client.clientCredentialsGrant(registered, { scope: 'api:read' })).resolves.toHaveProperty('access_token');
  });

  it('refuses to register a client for mutual-TLS authentication, which is not offered', async () => {
    await expect(registerClient(server.issuer, { ...SERVICE, token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=x' }))
      .rejects.toMatchObject({ error: 'invalid_client_metadata' });
  });
});
