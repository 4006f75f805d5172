import bcrypt from 'bcryptjs';
import { hashPassword, needsRehash, passwordProblems, verifyPassword } from './passwords.js';

describe('password strength', () => {
  it.each([
    ['short1!A', /at least 12 characters/],
    [`${'Ab1!'.repeat(19)}`, /at most 72 characters/],
    ['correcthorsebatterystaple', /only one kind of character/],
    ['739184620573', /only one kind of character/],
    ['P@ssw0rd-for-work', /common password \("password"\)/],
    ['123456789012a', /common password/],
    ['qwertyuiop!Z', /common password \("qwerty"\)/],
    ['Zxcvbnm-plum-7', /keyboard or alphabet run/],
    ['Rr9!Rr9!Rr9!Rr9!', /too few different characters/],
    ['Mellow-aaaaaa-9', /same character five or more times/],
  ])('refuses %s with a reason', (password, reason) => {
    const problems = passwordProblems(password);
    expect(problems.join('; ')).toMatch(reason);
    expect(problems.join('; ')).not.toContain(password);
  });

  it('refuses a password containing the email local part or the name', () => {
    expect(passwordProblems('ada.lovelace-7Q', { email: 'Ada.Lovelace@example.com' })).toContain(
      'must not contain your email address',
    );
    expect(passwordProblems('Babbage-engine-91', { lastName: 'Babbage' })).toContain(
      'must not contain your name',
    );
  });

  it('accepts a long mixed password', () => {
    expect(passwordProblems('violet-Kettle-38-drums', { email: 'ada@example.com' })).toEqual([]);
  });
});

describe('password hashing', () => {
  it('stores argon2id hashes that verify only the right password', async () => {
    const hashed = await hashPassword('violet-Kettle-38-drums');
    expect(hashed).toMatch(/^\$argon2id\$/);
    expect(hashed).not.toContain('violet');
    expect(await verifyPassword(hashed, 'violet-Kettle-38-drums')).toBe(true);
    expect(await verifyPassword(hashed, 'violet-Kettle-38-drumz')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });

  it('verifies bcrypt hashes written by OpenFn Lightning, and marks them for rehashing', async () => {
    // bcrypt_elixir writes `$2b$` hashes (cost 12 there; 4 here to keep the test quick).
    const legacy = await bcrypt.hash('violet-Kettle-38-drums', 4);
    expect(legacy).toMatch(/^\$2b\$04\$/);
    expect(await verifyPassword(legacy, 'violet-Kettle-38-drums')).toBe(true);
    expect(await verifyPassword(legacy, 'violet-Kettle-38-drumz')).toBe(false);
    expect(needsRehash(legacy)).toBe(true);
    expect(needsRehash(await hashPassword('violet-Kettle-38-drums'))).toBe(false);
  });
});
