import { errors, type Client, type KoaContextWithOIDC, type ResourceServer as ProviderResourceServer } from 'oidc-provider';
import { identifierForm } from '../config/parse-values.js';

/** An API that accepts our access tokens (RFC 8707 resource indicator = its `audience`). */
export interface ResourceServer {
  readonly audience: string;
  /** scope -> plain-words description shown on the consent page. */
  readonly scopes: Readonly<Record<string, string>>;
  /** `jwt`: RFC 9068 JWT access tokens signed ES256; `opaque`: introspect them. */
  readonly accessTokenFormat: 'jwt' | 'opaque';
  /** Seconds. */
  readonly accessTokenTTL: number;
}

export interface ResourceServerRegistry {
  get(audience: string): ResourceServer | undefined;
  all(): readonly ResourceServer[];
  /** Every scope any resource server defines, with its description. */
  scopeDescriptions(): ReadonlyMap<string, string>;
  /** Swaps in a new list (static ones plus the store's, re-read by the provider refresher). */
  replace(servers: readonly ResourceServer[]): void;
}

export function createResourceServerRegistry(initial: readonly ResourceServer[]): ResourceServerRegistry {
  let servers = initial;
  let byAudience = new Map<string, ResourceServer>();
  let descriptions = new Map<string, string>();
  const registry: ResourceServerRegistry = {
    get: (audience) => byAudience.get(audience),
    all: () => servers,
    scopeDescriptions: () => descriptions,
    replace(next) {
      servers = [...next];
      byAudience = new Map(servers.map((server) => [server.audience, server]));
      descriptions = new Map(servers.flatMap((server) => Object.entries(server.scopes)));
    },
  };
  registry.replace(initial);
  return registry;
}

/** `features.resourceIndicators` (RFC 8707): unknown resources are refused with invalid_target. */
export function resourceIndicatorsFeature(registry: ResourceServerRegistry) {
  return {
    enabled: true,
    async getResourceServerInfo(_ctx: KoaContextWithOIDC, indicator: string, _client: Client): Promise<ProviderResourceServer> {
      // Compared exactly: the indicator is the token's `aud`, which APIs compare exactly too.
      const server = registry.get(indicator);
      if (!server) {
        const spelled = registry.all().find((candidate) => sameAudience(candidate.audience, indicator));
        throw new errors.InvalidTarget(spelled
          ? `the requested resource is registered as ${spelled.audience}: name it exactly so`
          : 'the requested resource is not registered');
      }
      return {
        audience: server.audience,
        scope: Object.keys(server.scopes).join(' '),
        accessTokenTTL: server.accessTokenTTL,
        accessTokenFormat: server.accessTokenFormat,
        ...(server.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'ES256' as const } } } : {}),
      };
    },
    /**
     * A client that asks for a resource's scopes without naming the resource gets that resource,
     * when exactly one registered resource server defines any of them. Scopes of several resource
     * servers, or several resources granted or asked for at the token endpoint, are refused with
     * invalid_target: an access token is for one API (RFC 8707 §2), and without an audience it
     * would carry every API's scopes to whichever API it is shown to.
     */
    async defaultResource(ctx: KoaContextWithOIDC, _client: Client, oneOf?: readonly string[]): Promise<string | readonly string[] | undefined> {
      // Several: oidc-provider refuses them (invalid_target) and asks for one.
      if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf.length > 1 ? oneOf : undefined;
      const requested = new Set(String(ctx.oidc.params?.['scope'] ?? '').split(' ').filter(Boolean));
      const matches = registry.all().filter((server) => Object.keys(server.scopes).some((scope) => requested.has(scope)));
      if (matches.length > 1) {
        throw new errors.InvalidTarget(`the requested scopes belong to several resource servers (${matches.map((server) => server.audience).join(', ')}): name the one this token is for with resource`);
      }
      return matches[0]?.audience;
    },
    // At the token endpoint, a code granted for a resource yields a token for it without repeating `resource`.
    async useGrantedResource() {
      return true;
    },
  };
}

/** Whether `named` is `registered` written another way (capitals, a trailing slash, a default port). */
export function sameAudience(registered: string, named: string): boolean {
  const form = (audience: string) => {
    const url = URL.parse(audience);
    return url ? identifierForm(url) : audience;
  };
  return registered === named || form(registered) === form(named);
}
