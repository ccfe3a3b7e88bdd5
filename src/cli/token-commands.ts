import { CliError, type CommandGroup } from './command.js';
import { formatDuration, parseDuration } from './duration.js';
import { fields, isoTime } from './output.js';

const DEFAULT_EXPIRES_IN = 86_400;

export const tokenCommands: CommandGroup = {
  name: 'token',
  summary: 'Mint tokens for operators\' hand-offs.',
  commands: [
    {
      name: 'initial-access',
      summary: 'Mint an initial access token for dynamic client registration (RFC 7591 §3).',
      options: {
        'expires-in': { type: 'string', value: 'DURATION', description: `how long it can be used, e.g. 1h (default ${formatDuration(DEFAULT_EXPIRES_IN)}, at most 30d)` },
      },
      details: 'Give it to whoever registers a client: they send it as `Authorization: Bearer TOKEN` to the\nregistration endpoint. It can register clients until it expires.',
      async run(context, { values }) {
        const expiresIn = values['expires-in'] === undefined ? DEFAULT_EXPIRES_IN
          : parseDuration('expires-in', String(values['expires-in']), { min: 60, max: 30 * 86_400 });
        // The registration endpoint printed with the token is built from ISSUER; refused before anything is written.
        if (!context.issuerKnown) {
          throw new CliError('ISSUER is not set: this command prints the registration endpoint, which is built from it; run it with the servers\' ISSUER');
        }
        const provider = await context.provider();
        const token = await new provider.InitialAccessToken({ expiresIn }).save();
        const expiresAt = isoTime(Math.floor(context.now() / 1000) + expiresIn);
        const note = context.config.registration === 'initial-access-token' ? undefined
          : `Note: REGISTRATION is ${context.config.registration} in this environment; servers configured the same way do not ask for this token.`;
        context.print({ initial_access_token: token, expires_at: expiresAt, registration_endpoint: provider.urlFor('registration') }, [
          fields([['initial_access_token', token], ['expires_at', expiresAt], ['registration_endpoint', provider.urlFor('registration')]]).trimEnd(),
          ...(note ? [note] : []),
        ].join('\n'));
      },
    },
  ],
};
