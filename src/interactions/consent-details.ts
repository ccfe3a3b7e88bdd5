import type Provider from 'oidc-provider';
import type { Interaction } from './load-interaction.js';

/** What the consent page lists: the scopes asked for now, split into new and already allowed. */
export interface ConsentDetails {
  /** Scopes the user has not allowed this client yet (all of them on a first consent). */
  newScopes: string[];
  /** Scopes asked for again that an earlier consent already allowed. */
  previousScopes: string[];
  /** Resource indicators (RFC 8707) the scopes are for. */
  resources: string[];
}

/**
 * Compares the request's scopes with the user's existing Grant for this client: oidc-provider's
 * prompt details name only what is missing; the Grant tells what was allowed before.
 */
export async function consentDetails(provider: Provider, interaction: Interaction): Promise<ConsentDetails> {
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const missingResources = details.missingResourceScopes ?? {};
  const newScopes = [...new Set([...(details.missingOIDCScope ?? []), ...Object.values(missingResources).flat()])];

  const grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const granted = new Set<string>(grant ? words(grant.getOIDCScope()) : []);
  const grantedResources = Object.keys(grant?.resources ?? {});
  for (const resource of grantedResources) words(grant!.getResourceScope(resource)).forEach((scope) => granted.add(scope));

  const requested = words(String(interaction.params['scope'] ?? ''));
  const previousScopes = [...new Set(requested)].filter((scope) => granted.has(scope) && !newScopes.includes(scope));
  const resources = [...new Set([
    ...Object.keys(missingResources),
    ...grantedResources.filter((resource) => words(grant!.getResourceScope(resource)).some((scope) => previousScopes.includes(scope))),
  ])];
  return { newScopes, previousScopes, resources };
}

function words(value: string): string[] {
  return value.split(' ').filter(Boolean);
}
