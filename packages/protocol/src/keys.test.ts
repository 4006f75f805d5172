import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  decodeBase64Pem,
  generateWorkerKeys,
  InvalidKeyError,
  readPrivateKey,
  readPublicKey,
} from './keys.js';
import { signRunToken, signWorkerToken, verifyRunToken, verifyWorkerToken } from './tokens.js';

describe('generateWorkerKeys', () => {
  const keys = generateWorkerKeys();

  it('gives each variable on one line of base64', () => {
    for (const value of Object.values(keys)) expect(value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  });

  it('gives an RSA-2048 key pair as base64 PEMs', () => {
    const privateKey = createPrivateKey(
      Buffer.from(keys.WORKER_RUNS_PRIVATE_KEY, 'base64').toString(),
    );
    const publicKey = createPublicKey(
      Buffer.from(keys.WORKER_LIGHTNING_PUBLIC_KEY, 'base64').toString(),
    );
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).toBe(
      publicKey.export({ type: 'spki', format: 'pem' }),
    );
  });

  it('gives a secret of 32 random bytes', () => {
    expect(Buffer.from(keys.WORKER_SECRET, 'base64')).toHaveLength(32);
    expect(generateWorkerKeys().WORKER_SECRET).not.toBe(keys.WORKER_SECRET);
  });

  it('gives keys that sign and verify both tokens', async () => {
    const runToken = await signRunToken(keys.WORKER_RUNS_PRIVATE_KEY, 'r1', { ttlSeconds: 60 });
    expect((await verifyRunToken(keys.WORKER_LIGHTNING_PUBLIC_KEY, runToken)).ok).toBe(true);
    const workerToken = await signWorkerToken(keys.WORKER_SECRET, 'w1');
    expect((await verifyWorkerToken(keys.WORKER_SECRET, workerToken)).ok).toBe(true);
  });
});

describe('reading key variables', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  it('takes a PEM pasted as is, and base64 wrapped over several lines', () => {
    expect(decodeBase64Pem(publicKey)).toBe(publicKey.trim());
    const wrapped = Buffer.from(publicKey)
      .toString('base64')
      .replace(/(.{64})/g, '$1\n');
    expect(decodeBase64Pem(wrapped)).toBe(publicKey);
  });

  it('names the variable when the value is not base64 of a PEM', () => {
    expect(() => decodeBase64Pem('not base64!', 'WORKER_LIGHTNING_PUBLIC_KEY')).toThrow(
      /WORKER_LIGHTNING_PUBLIC_KEY must be base64 of a PEM/,
    );
    expect(() => decodeBase64Pem(Buffer.from('hello').toString('base64'), 'X')).toThrow(
      InvalidKeyError,
    );
    expect(() => decodeBase64Pem('')).toThrow(InvalidKeyError);
  });

  it('refuses a public key where a private key is expected, and a broken PEM', () => {
    expect(() => readPrivateKey(Buffer.from(publicKey).toString('base64'))).toThrow(
      /WORKER_RUNS_PRIVATE_KEY must be base64 of a PEM RSA private key/,
    );
    const broken = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----';
    expect(() => readPublicKey(broken)).toThrow(InvalidKeyError);
  });

  it('refuses keys that are not RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => readPublicKey(ec.publicKey)).toThrow(/must be an RSA key \(got ec\)/);
    expect(() =>
      readPrivateKey(
        Buffer.from(ec.privateKey.export({ type: 'pkcs8', format: 'pem' })).toString('base64'),
      ),
    ).toThrow(/must be an RSA key/);
  });

  it('reads a private key as the matching KeyObject', () => {
    const key = readPrivateKey(Buffer.from(privateKey).toString('base64'));
    expect(createPublicKey(key).export({ type: 'spki', format: 'pem' })).toBe(publicKey);
  });
});
