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
  /** Present once the user has enrolled an authenticator app; JSON like the rest of the record. */
  readonly secondFactor?: SecondFactorRecord | undefined;
}

/** An enrolled authenticator app (RFC 6238 TOTP) with its recovery codes and attempt counter. */
export interface SecondFactorRecord {
  /**
   * The base32 shared secret, sealed with KEYS_ENCRYPTION_KEY (bound to the account id): apps need
   * the secret itself, so it cannot be hashed, and a copy of the store alone does not reveal it.
   * Records from before sealing hold it in clear; the next write seals it.
   */
  readonly totpSecret: string;
  /** Epoch seconds. */
  readonly enrolledAt: number;
  /** The last accepted time step: a code is accepted once, and older ones never (RFC 6238 §5.2). */
  readonly lastUsedStep: number;
  /** SHA-256 (base64url) of each recovery code not used yet. */
  readonly recoveryCodeHashes: readonly string[];
  /** Wrong codes in a row; reset by a right one. */
  readonly failedAttempts: number;
  /** Epoch seconds until which no code is checked (after too many wrong ones). */
  readonly lockedUntil?: number | undefined;
}

export interface AccountRepository {
  findById(id: string): Promise<AccountRecord | undefined>;
  findByUsername(username: string): Promise<AccountRecord | undefined>;
  /** Adds the account; false when the username is taken (nothing is overwritten). */
  create(account: AccountRecord): Promise<boolean>;
  /** Replaces an existing account's record (same id and username). */
  update(account: AccountRecord): Promise<void>;
  /**
   * Compare-and-set: replaces the account with `next` only while it is still exactly
   * `expected` (as read); false when anyone changed it since. Read-modify-write that must hold
   * across server instances (a TOTP step used once, attempt counters) retries on false.
   */
  replaceIf(expected: AccountRecord, next: AccountRecord): Promise<boolean>;
  list(): Promise<AccountRecord[]>;
  delete(id: string): Promise<boolean>;
}

export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}
