import { createDecipheriv, randomBytes } from 'node:crypto';
import { createVault, DecryptionError, PRIMARY_TAG } from './index.js';

const key = () => randomBytes(32);

describe('vault', () => {
  it('writes the Cloak AES.GCM.V1 layout: key tag, 16-byte IV, 16-byte GCM tag, ciphertext, AAD "AES256GCM"', () => {
    const primary = key();
    const value = createVault({ primary }).encryptString('s3cret password');
    expect(value[0]).toBe(0x01);
    expect(value[1]).toBe(PRIMARY_TAG.length);
    expect(value.subarray(2, 12).toString('utf8')).toBe('AES.GCM.V1');
    const iv = value.subarray(12, 28);
    const tag = value.subarray(28, 44);
    const decipher = createDecipheriv('aes-256-gcm', primary, iv);
    decipher.setAAD(Buffer.from('AES256GCM'));
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(value.subarray(44)), decipher.final()]);
    expect(plaintext.toString('utf8')).toBe('s3cret password');
  });

  it('round-trips strings, bytes and JSON maps, with a fresh IV each time', () => {
    const vault = createVault({ primary: key() });
    expect(vault.decryptString(vault.encryptString('ünïcode ✓'))).toBe('ünïcode ✓');
    expect(vault.decryptJson(vault.encryptJson({ user: 'a', password: 'b' }))).toEqual({
      user: 'a',
      password: 'b',
    });
    expect(vault.encryptString('same').equals(vault.encryptString('same'))).toBe(false);
  });

  it('refuses a value under a key it does not hold, or a tampered value', () => {
    const value = createVault({ primary: key() }).encryptString('x');
    expect(() => createVault({ primary: key() }).decrypt(value)).toThrow(DecryptionError);
    const vault = createVault({ primary: key() });
    const tampered = vault.encryptString('hello');
    tampered[tampered.length - 1]! ^= 0xff;
    expect(() => vault.decrypt(tampered)).toThrow(DecryptionError);
    expect(() => vault.decrypt(Buffer.from('plain text'))).toThrow(/no key tag/);
  });

  it('decrypts with retired keys after a key change and says what needs rotation', () => {
    const oldKey = key();
    const newKey = key();
    const before = createVault({ primary: oldKey }).encryptJson({ token: 't' });
    const vault = createVault({ primary: newKey, retired: [oldKey] });
    expect(vault.decryptJson(before)).toEqual({ token: 't' });
    expect(vault.needsRotation(before)).toBe(true);
    expect(vault.needsRotation(vault.encryptJson({ token: 't' }))).toBe(false);
  });
});
