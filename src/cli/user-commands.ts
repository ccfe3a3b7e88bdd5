import type { AccountRecord } from '../accounts/account-repository.js';
import { normalizeUsername } from '../accounts/account-repository.js';
import { resetSecondFactor } from '../accounts/second-factor.js';
import { INVISIBLE_CHARACTER } from '../security/control-characters.js';
import type { CliContext } from './cli-context.js';
import { CliError, UsageError, type CommandGroup, type CommandSpec } from './command.js';
import { fields, isoTime, table } from './output.js';
import { readPassword } from './read-password.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOKENS_NOTE = 'JWT access tokens already issued stay valid at resource servers until they expire.';
const PASSWORD_STDIN = {
  'password-stdin': { type: 'boolean' as const, description: 'read the password from standard input (piped, or typed at a hidden prompt)' },
};

export const userCommands: CommandGroup = {
  name: 'user',
  summary: 'Manage the people who sign in at our login page.',
  commands: [
    {
      name: 'create',
      summary: 'Create a user. The password comes from standard input, never from the command line.',
      options: {
        username: { type: 'string', value: 'NAME', description: 'what they type to sign in (stored lower-case)', required: true },
        email: { type: 'string', value: 'EMAIL', description: 'released with the email scope' },
        'email-verified': { type: 'boolean', description: 'mark the email address as verified' },
        name: { type: 'string', value: '"FULL NAME"', description: 'released with the profile scope' },
        'given-name': { type: 'string', value: 'NAME', description: 'released with the profile scope' },
        'family-name': { type: 'string', value: 'NAME', description: 'released with the profile scope' },
        ...PASSWORD_STDIN,
      },
      details: 'Example: printf %s "$PASSWORD" | gatehouse user create --username alice --email alice@example.com --password-stdin',
      async run(context, { values }) {
        const username = normalizeUsername(String(values['username']));
        if (!/^[^\s]{1,256}$/.test(username)) throw new UsageError('--username must be 1 to 256 characters without spaces');
        // Invisible characters would let "admin\u200b" pass for "admin" in every listing and log line.
        if (INVISIBLE_CHARACTER.test(username)) {
          throw new UsageError('--username must not contain invisible characters (zero-width spaces or joiners, direction marks or overrides)');
        }
        const email = values['email'] as string | undefined;
        if (email !== undefined && !EMAIL.test(email)) throw new UsageError(`--email is not an email address: "${email}"`);
        if (values['email-verified'] && email === undefined) throw new UsageError('--email-verified needs --email');
        if (await context.store.accounts.findByUsername(username)) throw new CliError(`the username "${username}" is taken`);

        const password = await readPassword(context.io, values['password-stdin'] === true);
        const account = await context.accounts.create({
          username,
          password,
          email,
          emailVerified: email === undefined ? undefined : values['email-verified'] === true,
          name: values['name'] as string | undefined,
          givenName: values['given-name'] as string | undefined,
          familyName: values['family-name'] as string | undefined,
        });
        if (!account) throw new CliError(`the username "${username}" is taken`);
        context.print(describeUser(account), `Created user ${account.username} (sub ${account.id}).`);
      },
    },
    {
      name: 'list',
      summary: 'List every user.',
      async run(context) {
        const users = (await context.store.accounts.list()).map(describeUser);
        context.print(users, users.length === 0 ? 'No users.' : table(
          ['USERNAME', 'SUB', 'EMAIL', 'NAME', 'STATUS'],
          users.map((user) => [user.username, user.sub, user.email, user.name, user.status]),
        ));
      },
    },
    {
      name: 'show',
      summary: 'Show one user (never the password hash).',
      args: ['USERNAME'],
      async run(context, { args }) {
        const user = describeUser(await requireUser(context, args[0]!));
        context.print(user, fields(Object.entries(user).map(([key, value]) => [key, key === 'created_at' ? isoTime(value as number) : value])));
      },
    },
    {
      name: 'set-password',
      summary: 'Replace a user\'s password (from standard input).',
      args: ['USERNAME'],
      options: PASSWORD_STDIN,
      async run(context, { args, values }) {
        const account = await requireUser(context, args[0]!);
        const password = await readPassword(context.io, values['password-stdin'] === true);
        await context.store.accounts.update({ ...account, passwordHash: await context.hasher.hash(password) });
        context.print({ username: account.username, password_changed: true }, `Changed the password of ${account.username}.`);
      },
    },
    {
      name: 'reset-second-factor',
      summary: 'Remove a user\'s authenticator app and recovery codes (a lost phone): they sign in with their password and may enrol again.',
      args: ['USERNAME'],
      async run(context, { args }) {
        const account = await requireUser(context, args[0]!);
        if (!(await resetSecondFactor(context.store.accounts, account.id))) throw new CliError(`${account.username} has no second factor enrolled`);
        const { secondFactor: _removed, ...rest } = account;
        context.print(describeUser(rest), `Removed the second factor of ${account.username}.`);
      },
    },
    setDisabled('disable', true, 'Stop a user from signing in; their sessions, refresh tokens and opaque access tokens stop working at once.'),
    setDisabled('enable', false, 'Let a disabled user sign in again.'),
    {
      name: 'delete',
      summary: 'Delete a user for good; their sessions, refresh tokens and opaque access tokens stop working at once.',
      args: ['USERNAME'],
      details: TOKENS_NOTE,
      async run(context, { args }) {
        const account = await requireUser(context, args[0]!);
        await context.store.accounts.delete(account.id);
        context.print({ username: account.username, deleted: true }, `Deleted user ${account.username}.`);
      },
    },
  ],
};

function setDisabled(name: string, disabled: boolean, summary: string): CommandSpec {
  return {
    name,
    summary,
    args: ['USERNAME'],
    ...(disabled ? { details: TOKENS_NOTE } : {}),
    async run(context, { args }) {
      const account = await requireUser(context, args[0]!);
      await context.store.accounts.update({ ...account, disabled });
      context.print(describeUser({ ...account, disabled }), `${disabled ? 'Disabled' : 'Enabled'} user ${account.username}.`);
    },
  };
}

async function requireUser(context: CliContext, username: string): Promise<AccountRecord> {
  const account = await context.store.accounts.findByUsername(username);
  if (!account) throw new CliError(`there is no user "${normalizeUsername(username)}" (\`gatehouse user list\` shows them)`);
  return account;
}

/** A user as the CLI shows it: OIDC claim names, and never the password hash. */
function describeUser(account: AccountRecord) {
  return {
    username: account.username,
    sub: account.id,
    email: account.email,
    email_verified: account.email === undefined ? undefined : Boolean(account.emailVerified),
    name: account.name,
    given_name: account.givenName,
    family_name: account.familyName,
    status: account.disabled ? 'disabled' : 'active',
    second_factor: account.secondFactor ? 'totp' : 'none',
    created_at: account.createdAt,
  };
}
