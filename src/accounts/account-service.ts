import { randomUUID } from 'node:crypto';
import type { AccountRecord, AccountRepository } from './account-repository.js';
import { normalizeUsername } from './account-repository.js';
import type { PasswordHasher } from './password-hasher.js';

export interface NewAccount {
  username: string;
  password: string;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  name?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
}

export interface AccountService {
  /**
   * The account for these credentials, or undefined. Unknown user, wrong password and disabled
   * account are indistinguishable to the caller and take the same time (one password hash each).
   */
  authenticate(username: string, password: string): Promise<AccountRecord | undefined>;
  findById(id: string): Promise<AccountRecord | undefined>;
  /** The account with this id unless it was deleted or disabled: one that may still be signed in. */
  findActive(id: string): Promise<AccountRecord | undefined>;
  /** Creates the account unless the username is taken; returns the stored record or undefined. */
  create(account: NewAccount): Promise<AccountRecord | undefined>;
}

export function createAccountService(deps: { repository: AccountRepository; hasher: PasswordHasher; now?: () => number }): AccountService {
  const { repository, hasher } = deps;
  const now = deps.now ?? Date.now;

  return {
    async authenticate(username, password) {
      const account = username ? await repository.findByUsername(username) : undefined;
      if (!account) return hasher.verifyDummy(password).then(() => undefined);
      const valid = await hasher.verify(password, account.passwordHash);
      return valid && !account.disabled ? account : undefined;
    },
    findById: (id) => repository.findById(id),
    async findActive(id) {
      const account = await repository.findById(id);
      return account && !account.disabled ? account : undefined;
    },
    async create(input) {
      const record: AccountRecord = {
        id: randomUUID(),
        username: normalizeUsername(input.username),
        passwordHash: await hasher.hash(input.password),
        email: input.email,
        emailVerified: input.emailVerified,
        name: input.name,
        givenName: input.givenName,
        familyName: input.familyName,
        createdAt: Math.floor(now() / 1000),
      };
      return (await repository.create(record)) ? record : undefined;
    },
  };
}
