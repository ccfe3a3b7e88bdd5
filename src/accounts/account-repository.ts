/** A person who signs in at our pages. `id` is the stable OIDC subject (`sub`). */
export interface AccountRecord {
  readonly id: string;
  /** Unique, stored lower-case. */
  readonly username: string;
  readonly passwordHash: string;
  readonly email?: string | undefined;
  readonly emailVerified?: boolean | undefined;
  readonly name?: string | undefined;
  readonly givenName?: string | undefined;
  readonly familyName?: string | undefined;
  readonly disabled?: boolean | undefined;
  /** Epoch seconds. */
  readonly createdAt: number;
}

export interface AccountRepository {
  findById(id: string): Promise<AccountRecord | undefined>;
  findByUsername(username: string): Promise<AccountRecord | undefined>;
  /** Adds the account; false when the username is taken (nothing is overwritten). */
  create(account: AccountRecord): Promise<boolean>;
  /** Replaces an existing account's record (same id and username). */
  update(account: AccountRecord): Promise<void>;
  list(): Promise<AccountRecord[]>;
  delete(id: string): Promise<boolean>;
}

export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}
