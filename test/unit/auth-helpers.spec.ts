import { authUserFrom } from '../../src/auth/access-tokens.js';
import { usernameFromEmail } from '../../src/auth/first-admin.js';
import { ARGON2_OPTIONS, hashingConcurrency, PasswordHasher } from '../../src/auth/password-hasher.js';
import { escapeLike } from '../../src/users/users.repository.js';

const ID = '0b6f2f5e-4a8e-4b5d-9c1e-2f3a4b5c6d7e';
const SID = '1c7a3e6f-5b9f-4c6e-8d2f-3a4b5c6d7e8f';

describe('authUserFrom', () => {
  it('reads a well-formed payload', () => {
    expect(authUserFrom({ sub: ID, role: 'admin', sid: SID, iat: 1, exp: 2 })).toEqual({ id: ID, role: 'admin', sessionId: SID });
  });

  it.each([
    ['no session id', { sub: ID, role: 'user' }],
    ['an unknown role', { sub: ID, role: 'root', sid: SID }],
    ['a subject that is not a uuid', { sub: 'admin', role: 'user', sid: SID }],
    ['nothing', null],
  ])('refuses %s', (_what, payload) => {
    expect(authUserFrom(payload)).toBeNull();
  });
});

describe('usernameFromEmail', () => {
  it('makes a valid username from the local part', () => {
    expect(usernameFromEmail('Ada.Lovelace+chat@example.com')).toBe('ada_lovelace_chat');
    expect(usernameFromEmail('al@example.com')).toMatch(/^[a-z0-9_]{3,32}$/);
    expect(usernameFromEmail(`${'x'.repeat(60)}@example.com`)).toHaveLength(32);
  });
});

describe('escapeLike', () => {
  it('escapes the LIKE wildcards and the escape character', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
  });
});

describe('password hashing', () => {
  it('leaves at least two of libuv’s threads for other work, and always allows one hash', () => {
    expect(hashingConcurrency(4, 16)).toBe(2);
    expect(hashingConcurrency(16, 4)).toBe(3);
    expect(hashingConcurrency(4, 1)).toBe(1);
    expect(hashingConcurrency(2, 8)).toBe(1);
  });

  it('uses argon2id with at least the OWASP parameters', async () => {
    expect(ARGON2_OPTIONS).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const hasher = new PasswordHasher();
    await hasher.onModuleInit();
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await expect(hasher.verifyOrDummy(hash, 'correct horse')).resolves.toBe(true);
    await expect(hasher.verifyOrDummy(hash, 'wrong horse')).resolves.toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('does the full work for an unknown account and still says no', async () => {
    const hasher = new PasswordHasher();
    await hasher.onModuleInit();
    const started = process.hrtime.bigint();
    await expect(hasher.verifyOrDummy(null, 'anything')).resolves.toBe(false);
    // An argon2id verification at 19 MiB takes milliseconds; a shortcut would take microseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThan(2);
  });
});
