import { describe, expect, it } from '@jest/globals';
import { createAccountService } from '../../src/accounts/account-service.js';
import { createPasswordHasher } from '../../src/accounts/password-hasher.js';
import { createMemoryAccountRepository } from '../../src/store/memory/memory-account-repository.js';

describe('passwords at rest', () => {
  it('are stored only as salted argon2id hashes, never as given', async () => {
    const repository = createMemoryAccountRepository();
    const accounts = createAccountService({ repository, hasher: createPasswordHasher({ memoryKiB: 8192, passes: 1 }) });
    const one = await accounts.create({ username: 'ann', password: 'same-password-123' });
    const two = await accounts.create({ username: 'bob', password: 'same-password-123' });
    expect(one!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
    expect(JSON.stringify(await repository.list())).not.toContain('same-password-123');
    // Salted: the same password never gives the same stored value.
    expect(one!.passwordHash).not.toBe(two!.passwordHash);
    expect(await accounts.authenticate('ann', 'same-password-123')).toMatchObject({ id: one!.id });
    expect(await accounts.authenticate('ann', 'other')).toBeUndefined();
  });
});
