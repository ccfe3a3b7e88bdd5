import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Interaction } from './load-interaction.js';

/**
 * The id of the grant this interaction's consent creates, the same for every submission of its
 * form (a double click, a resent or scripted form, at once or one after another): each one
 * rewrites that one record rather than storing another 30-day grant. Interaction uids are random
 * and used once, so no other grant has this id.
 */
function consentGrantId(interaction: Interaction): string {
  return createHash('sha256').update(`gatehouse consent grant\0${interaction.uid}`).digest('base64url');
}

/**
 * Records what the user allowed in the interaction's Grant (the session's existing one for this
 * client, else this interaction's own), so the next authorization for the same scopes skips the
 * consent page. Returns the grant id.
 */
export async function grantConsent(provider: Provider, interaction: Interaction): Promise<string> {
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const accountId = interaction.session?.accountId;
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId: String(interaction.params['client_id']) });
  // Without one, save() would give it a new random id.
  if (!existing) grant.jti = consentGrantId(interaction);

  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

/**
 * A denial after an allow of the same interaction: deletes the grant that allow created, which
 * nothing will use (a grant the session already had is left alone). Returns its id, if there was one.
 */
export async function withdrawConsent(provider: Provider, interaction: Interaction): Promise<string | undefined> {
  const grant = await provider.Grant.find(consentGrantId(interaction));
  if (!grant) return undefined;
  await grant.destroy();
  return grant.jti;
}
