import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';

export interface ProductionGuardDeps {
  /** The static clients production is about to serve. */
  readonly clients: readonly ClientMetadata[];
  readonly accounts: AccountRepository;
  readonly hasher: PasswordHasher;
  /** config/: the development seed and the examples, whose credentials are public. */
  readonly configDir: string;
}

/** Below this, a client secret is guessable or hand-typed (ours are 32 random bytes, base64url). */
const MIN_SECRET_LENGTH = 32;

/**
 * What loadConfig cannot see without I/O: public credentials from the development seed or the
 * examples that reached production through a clients file or a store that development used.
 * Each problem says how to fix it; the caller refuses to start on any.
 */
export async function productionProblems(deps: ProductionGuardDeps): Promise<string[]> {
  const problems: string[] = [];
  const seed = await readSeed(join(deps.configDir, 'development.json'));
  const publicSecrets = new Set(seed.clients.map((client) => client.client_secret).filter(Boolean));
  const fix = 'set a new one, e.g. the output of `openssl rand -hex 32`';

  for (const client of deps.clients) {
    const secret = client.client_secret;
    if (typeof secret !== 'string') continue;
    if (publicSecrets.has(secret) || secret.startsWith('replace-with-')) {
      problems.push(`client "${client.client_id}" uses a development or example client_secret: ${fix}`);
    } else if (secret.length < MIN_SECRET_LENGTH) {
      problems.push(`client "${client.client_id}" has a client_secret shorter than ${MIN_SECRET_LENGTH} characters: ${fix}`);
    }
  }

  for (const user of seed.users) {
    const account = await deps.accounts.findByUsername(user.username);
    if (account && !account.disabled && await deps.hasher.verify(user.password, account.passwordHash)) {
      problems.push(`the store holds the demo account "${user.username}" with its public password (left from a development run): delete it or set a new password`);
    }
  }
  return problems;
}

interface Seed {
  clients: ClientMetadata[];
  users: { username: string; password: string }[];
}

async function readSeed(path: string): Promise<Seed> {
  // The seed ships with the code; without it there are no public credentials to look for.
  const text = await readFile(path, 'utf8').catch(() => '{}');
  const seed = JSON.parse(text) as Partial<Seed>;
  return { clients: seed.clients ?? [], users: seed.users ?? [] };
}
