import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Context, Middleware } from 'koa';
import type { VerifiedTokenCache } from './verified-token-cache.js';

export interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope?: string;
}

export interface BearerAuthOptions {
  issuer: string;
  /** Our resource identifier: tokens must name it in `aud` (RFC 9068 §4). */
  audience: string;
  /** Keys come only from the authorization server's JWKS, never from the token's header (jku, x5u, jwk). */
  keys: JWTVerifyGetKey;
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clockTolerance?: number;
  realm?: string;
  /** Tokens verified before (same bytes) skip the signature check until their exp. */
  cache?: VerifiedTokenCache<AccessTokenClaims>;
}

// RFC 9068 §4: reject any alg not expected; `none` and HMAC never verify here.
const ALGORITHMS = ['ES256', 'RS256'];

/**
 * RFC 6750 bearer-token authentication with RFC 9068 JWT access tokens. On success the verified
 * claims are in ctx.state.token.
 */
export function bearerAuth(options: BearerAuthOptions): Middleware {
  const realm = options.realm ?? options.audience;

  return async function authenticate(ctx, next) {
    // RFC 6750 §2.3 allows the query string; RFC 9700 §4.3.2 says not to. We refuse it.
    if (ctx.query['access_token'] !== undefined || (ctx.request as { body?: Record<string, unknown> }).body?.['access_token'] !== undefined) {
      return challenge(ctx, 400, realm, 'invalid_request', 'Send the access token in the Authorization header, not the URL or body');
    }
    const header = ctx.get('Authorization');
    if (!header) return challenge(ctx, 401, realm);
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!match) return challenge(ctx, 401, realm, 'invalid_request', 'Use the Bearer authorization scheme');

    const cached = options.cache?.get(match[1]!);
    if (cached) {
      ctx.state['token'] = cached;
      return next();
    }
    let claims: AccessTokenClaims;
    try {
      const { payload } = await jwtVerify<AccessTokenClaims>(match[1]!, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALGORITHMS,
        typ: 'at+jwt',
        clockTolerance: options.clockTolerance ?? 5,
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
      });
      claims = payload;
      options.cache?.set(match[1]!, claims);
    } catch (error) {
      return challenge(ctx, 401, realm, 'invalid_token', describe(error));
    }
    ctx.state['token'] = claims;
    await next();
  };
}

/** Requires every listed scope (RFC 6750 §3.1 insufficient_scope). */
export function requireScopes(...required: string[]): Middleware {
  return async function checkScopes(ctx, next) {
    const granted = new Set(String((ctx.state['token'] as AccessTokenClaims | undefined)?.scope ?? '').split(' '));
    if (!required.every((scope) => granted.has(scope))) {
      return challenge(ctx, 403, undefined, 'insufficient_scope', `This needs the scope: ${required.join(' ')}`, required.join(' '));
    }
    await next();
  };
}

function challenge(ctx: Context, status: number, realm?: string, error?: string, description?: string, scope?: string): void {
  const params = [
    realm ? `realm="${quote(realm)}"` : undefined,
    error ? `error="${error}"` : undefined,
    description ? `error_description="${quote(description)}"` : undefined,
    scope ? `scope="${quote(scope)}"` : undefined,
  ].filter(Boolean);
  ctx.status = status;
  ctx.set('WWW-Authenticate', `Bearer${params.length ? ` ${params.join(', ')}` : ''}`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error ? { error, ...(description ? { error_description: description } : {}) } : { error: 'unauthorized', error_description: 'An access token is required' };
}

function quote(value: string): string {
  return value.replace(/["\\]/g, '');
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The access token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The access token is signed with an algorithm we do not accept';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The access token was not signed by a key we trust';
  if (error instanceof joseErrors.JWKSTimeout) return 'The signing keys could not be fetched; try again';
  return 'The access token is invalid';
}
