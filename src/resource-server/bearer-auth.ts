import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Context, Middleware } from 'koa';
import { DPOP_ALGORITHMS, DpopProofError, type DpopProofVerifier } from './dpop-proof.js';
import { KeysUnavailableError } from './keys-unavailable-error.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';

export interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope?: string;
  /** RFC 9449 §6.1: the thumbprint of the key a DPoP-bound token is bound to. */
  cnf?: { jkt?: string };
}

export interface BearerAuthOptions {
  issuer: string;
  /** Our resource identifier: tokens must name it in `aud` (RFC 9068 §4). */
  audience: string;
  /**
   * Keys come only from the authorization server's JWKS, never from the token's header (jku, x5u,
   * jwk). A KeysUnavailableError it throws is passed on (503): the token may well be good.
   */
  keys: JWTVerifyGetKey;
  /** Checks DPoP proofs (RFC 9449); without it, DPoP-bound tokens are refused. */
  dpop?: DpopProofVerifier;
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clockTolerance?: number;
  realm?: string;
  /** Tokens verified before (same bytes) skip the signature check until their exp. */
  cache?: VerifiedTokenCache<AccessTokenClaims>;
}

type Scheme = 'Bearer' | 'DPoP';

// RFC 6750 §2.1: the token is a b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

// RFC 9068 §4: reject any alg not expected; `none` and HMAC never verify here.
const ALGORITHMS = ['ES256', 'RS256'];

/**
 * Access-token authentication for the protected API: RFC 9068 JWT access tokens sent with the
 * RFC 6750 Bearer scheme, or, when DPoP-bound (`cnf.jkt`), with the RFC 9449 DPoP scheme and a
 * proof of the bound key. A DPoP-bound token sent as Bearer is refused (§7.1), or it could be
 * replayed by anyone who saw it. On success the verified claims are in ctx.state.token.
 */
export function bearerAuth(options: BearerAuthOptions): Middleware {
  const realm = options.realm ?? options.audience;
  const schemes: Scheme[] = options.dpop ? ['Bearer', 'DPoP'] : ['Bearer'];
  // The scheme is case-insensitive (RFC 9110 §11.1): looked up by its lower-case name.
  const schemeByName = new Map(schemes.map((name) => [name.toLowerCase(), name]));

  // RFC 6750 §3.1: a malformed request is a 400 invalid_request.
  const malformed = (ctx: Context, scheme: Scheme, description: string) => challenge(ctx, 400, [scheme], { realm, error: 'invalid_request', description });

  return async function authenticate(ctx, next) {
    // RFC 6750 §2.3 allows the query string; RFC 9700 §4.3.2 says not to. We refuse it.
    // (Koa parses the query string on first use: a request without one skips that.)
    if (ctx.querystring !== '' && ctx.query['access_token'] !== undefined) {
      return malformed(ctx, 'Bearer', 'Send the access token in the Authorization header, not the URL');
    }
    const header = ctx.req.headers.authorization;
    // No credentials, or only for a scheme we do not take: a plain challenge, without an error
    // code (RFC 6750 §3.1, RFC 9449 §7.1).
    if (!header) return challenge(ctx, 401, schemes, { realm });
    // Node keeps the first of two Authorization headers: which one is meant is not ours to guess.
    if (countAuthorizationHeaders(ctx.req.rawHeaders) > 1) {
      return malformed(ctx, 'Bearer', 'Send one Authorization header');
    }
    // Nearly every request spells it "Bearer " exactly: that is taken without parsing.
    const credentials = header.startsWith('Bearer ') && header.charCodeAt(7) !== 32
      ? { scheme: 'Bearer' as const, token: header.slice(7) }
      : parseAuthorization(header, schemeByName);
    if (!credentials) return challenge(ctx, 401, schemes, { realm });
    const { scheme, token: accessToken } = credentials;
    ctx.state['authScheme'] = scheme;

    // The signature and claims of these exact bytes verified before; the scheme and DPoP checks
    // below still run on every request. Only a token that is not cached has its syntax checked
    // (one scan of it), and a token with bad syntax is never cached.
    let claims = options.cache?.get(accessToken);
    if (!claims) {
      if (!B64TOKEN.test(accessToken)) return malformed(ctx, scheme, 'The access token is malformed: it must follow the scheme and a space, as one b64token (RFC 6750 §2.1)');
      try {
        const { payload } = await jwtVerify<AccessTokenClaims>(accessToken, options.keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ALGORITHMS,
          typ: 'at+jwt',
          clockTolerance: options.clockTolerance ?? 5,
          requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
        });
        claims = payload;
        options.cache?.set(accessToken, claims);
      } catch (error) {
        // The keys could not be fetched: the error handler's 503, and no invalid_token.
        if (error instanceof KeysUnavailableError) throw error;
        return challenge(ctx, 401, [scheme], { realm, error: 'invalid_token', description: describe(error) });
      }
    }

    const boundThumbprint = claims.cnf?.jkt;
    if (scheme === 'Bearer' && boundThumbprint !== undefined) {
      return challenge(ctx, 401, ['DPoP'], { realm, error: 'invalid_token', description: 'This access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof' });
    }
    if (scheme === 'DPoP') {
      if (typeof boundThumbprint !== 'string') {
        return challenge(ctx, 401, ['DPoP'], { realm, error: 'invalid_token', description: 'This access token is not DPoP-bound: send it with the Bearer scheme' });
      }
      try {
        await options.dpop!.verify({
          proof: ctx.req.headers['dpop'],
          method: ctx.method,
          url: `${ctx.protocol}://${ctx.host}${ctx.path}`,
          accessToken,
          boundThumbprint,
        });
      } catch (error) {
        if (!(error instanceof DpopProofError)) throw error;
        return challenge(ctx, 401, ['DPoP'], { realm, error: 'invalid_dpop_proof', description: error.message });
      }
    }
    ctx.state['token'] = claims;
    await next();
  };
}

/** Requires every listed scope (RFC 6750 §3.1 insufficient_scope). */
export function requireScopes(...required: string[]): Middleware {
  return function checkScopes(ctx, next) {
    const granted = (ctx.state['token'] as AccessTokenClaims | undefined)?.scope;
    if (!required.every((scope) => hasScope(granted, scope))) {
      const scheme = (ctx.state['authScheme'] as Scheme | undefined) ?? 'Bearer';
      challenge(ctx, 403, [scheme], { error: 'insufficient_scope', description: `This needs the scope: ${required.join(' ')}`, scope: required.join(' ') });
      return Promise.resolve();
    }
    return next();
  };
}

/** Whether the space-delimited scope string (RFC 6749 §3.3) lists `scope` as a whole word. */
export function hasScope(granted: unknown, scope: string): boolean {
  if (typeof granted !== 'string') return false;
  for (let at = granted.indexOf(scope); at !== -1; at = granted.indexOf(scope, at + 1)) {
    const end = at + scope.length;
    if ((at === 0 || granted.charCodeAt(at - 1) === 32) && (end === granted.length || granted.charCodeAt(end) === 32)) return true;
  }
  return false;
}

/**
 * A scheme we take (in any letter case) and what follows it after the spaces (RFC 9110 §11.4:
 * `scheme 1*SP token68`), checked by the caller; undefined for another scheme.
 */
function parseAuthorization(header: string, schemeByName: ReadonlyMap<string, Scheme>): { scheme: Scheme; token: string } | undefined {
  const end = header.search(/[ \t]/);
  const scheme = schemeByName.get((end === -1 ? header : header.slice(0, end)).toLowerCase());
  if (!scheme) return undefined;
  let start = end === -1 ? header.length : end;
  while (header.charCodeAt(start) === 32) start++;
  return { scheme, token: header.slice(start) };
}

function countAuthorizationHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

interface ChallengeParams {
  realm?: string;
  error?: string;
  description?: string;
  scope?: string;
}

/**
 * One WWW-Authenticate challenge per scheme (RFC 9110 §11.6.1); the DPoP one lists the proof
 * algorithms we accept (RFC 9449 §7.1).
 */
function challenge(ctx: Context, status: number, schemes: readonly Scheme[], params: ChallengeParams): void {
  const common = [
    params.realm ? `realm="${quote(params.realm)}"` : undefined,
    params.error ? `error="${params.error}"` : undefined,
    params.description ? `error_description="${quote(params.description)}"` : undefined,
    params.scope ? `scope="${quote(params.scope)}"` : undefined,
  ];
  const challenges = schemes.map((scheme) => {
    const list = [...common, scheme === 'DPoP' ? `algs="${DPOP_ALGORITHMS.join(' ')}"` : undefined].filter(Boolean);
    return `${scheme}${list.length ? ` ${list.join(', ')}` : ''}`;
  });
  ctx.status = status;
  ctx.set('WWW-Authenticate', challenges.join(', '));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = params.error
    ? { error: params.error, ...(params.description ? { error_description: params.description } : {}) }
    : { error: 'unauthorized', error_description: 'An access token is required' };
}

function quote(value: string): string {
  return value.replace(/["\\]/g, '');
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired';
  // typ is a JOSE header parameter, which jose reports as a claim.
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The access token's ${error.claim} ${error.claim === 'typ' ? 'header' : 'claim'} is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The access token is signed with an algorithm we do not accept';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The access token was not signed by a key we trust';
  return 'The access token is invalid';
}
