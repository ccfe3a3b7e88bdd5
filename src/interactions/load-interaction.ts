import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { StartAgain } from '../http/error-page.js';

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** An unknown, expired or already finished interaction: the user must start again at the app. */
export class InteractionExpiredError extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly error = 'interaction_expired';
  readonly error_description = 'This sign-in page has expired. Go back to the application you came from and start again.';
  /** Where the expired page sends the user, when we know which application they came from. */
  startAgain: StartAgain | undefined;

  constructor() {
    super('interaction_expired');
    this.name = 'InteractionExpiredError';
  }
}

/**
 * The interaction this request belongs to: found through its cookie, matching the uid in the
 * URL, and (when given) at the expected prompt.
 */
export async function loadInteraction(provider: Provider, ctx: Context, prompt?: 'login' | 'consent'): Promise<Interaction> {
  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    if ((error as { name?: string }).name === 'SessionNotFound') throw new InteractionExpiredError();
    throw error;
  }
  if (interaction.uid !== ctx.params['uid'] || (prompt && interaction.prompt.name !== prompt)) {
    throw new InteractionExpiredError();
  }
  return interaction;
}
