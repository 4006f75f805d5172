import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import {
  signRunToken,
  signWorkerToken,
  TokenError,
  verifyRunToken,
  verifyWorkerToken,
} from './tokens.js';

const RUN_ID = '6b0f0d1e-9b7a-4b67-a0c4-5b3f40a0c001';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const unpadded = (text: string) => b64(text).replace(/=+$/, '');

function rsaPems(privateType: 'pkcs1' | 'pkcs8', publicType: 'spki' | 'pkcs1' = 'spki') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: privateType, format: 'pem' },
    publicKeyEncoding: { type: publicType, format: 'pem' },
  });
  return { privateKey, publicKey };
}

const pkcs8 = rsaPems('pkcs8');
const pkcs1 = rsaPems('pkcs1', 'pkcs1');
const other = rsaPems('pkcs8');

async function expectTokenError(
  result: Promise<{ ok: boolean; error?: TokenError }>,
  code: TokenError['code'],
) {
  const settled = await result;
  expect(settled.ok).toBe(false);
  expect(settled.error).toBeInstanceOf(TokenError);
  expect(settled.error?.code).toBe(code);
}

describe('worker socket token', () => {
  it('is HS256 with worker_id, iat and the worker issuer, and no exp', async () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const token = await signWorkerToken('s3cret', 'cyan-eggs-wash', { now });
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    expect(decodeJwt(token)).toEqual({
      worker_id: 'cyan-eggs-wash',
      iat: now.getTime() / 1000,
      iss: 'urn:openfn:worker',
    });
  });

  it('verifies with the same secret', async () => {
    const token = await signWorkerToken('s3cret', 'w1');
    const verified = await verifyWorkerToken('s3cret', token);
    expect(verified.ok && verified.value.worker_id).toBe('w1');
  });

  it('never expires', async () => {
    const token = await signWorkerToken('s3cret', 'w1', { now: new Date('2020-01-01') });
    expect((await verifyWorkerToken('s3cret', token)).ok).toBe(true);
  });

  it('is refused with another secret', async () => {
    const token = await signWorkerToken('s3cret', 'w1');
    await expectTokenError(verifyWorkerToken('other', token), 'invalid_signature');
  });

  it('is refused when it is not a JWT', async () => {
    await expectTokenError(verifyWorkerToken('s3cret', 'x.y.z'), 'malformed');
    await expectTokenError(verifyWorkerToken('s3cret', ''), 'malformed');
  });

  it('is refused without worker_id or with another issuer', async () => {
    const key = new TextEncoder().encode('s3cret');
    const noWorker = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('urn:openfn:worker')
      .sign(key);
    await expectTokenError(verifyWorkerToken('s3cret', noWorker), 'invalid_claims');
    const wrongIssuer = await new SignJWT({ worker_id: 'w' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('someone')
      .sign(key);
    await expectTokenError(verifyWorkerToken('s3cret', wrongIssuer), 'wrong_issuer');
  });

  it('is refused when signed with RS256 instead of the secret', async () => {
    const token = await signRunToken(b64(pkcs8.privateKey), RUN_ID, { ttlSeconds: 60 });
    await expectTokenError(verifyWorkerToken('s3cret', token), 'invalid_signature');
  });

  it('throws on an empty secret: that is a configuration error, not a bad token', async () => {
    await expect(signWorkerToken('', 'w1')).rejects.toThrow(/WORKER_SECRET/);
    await expect(verifyWorkerToken('', 'a.b.c')).rejects.toThrow(/WORKER_SECRET/);
  });
});

describe('run token', () => {
  const privateKey = b64(pkcs8.privateKey);
  const publicKey = b64(pkcs8.publicKey);

  it('is RS256 with id, sub, iat, nbf, exp and the Lightning issuer', async () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const token = await signRunToken(privateKey, RUN_ID, { ttlSeconds: 330, now });
    const iat = now.getTime() / 1000;
    expect(decodeProtectedHeader(token).alg).toBe('RS256');
    expect(decodeJwt(token)).toEqual({
      id: RUN_ID,
      sub: `run:${RUN_ID}`,
      iat,
      nbf: iat,
      exp: iat + 330,
      iss: 'Lightning',
    });
  });

  it('verifies with the public key, for the right run', async () => {
    const token = await signRunToken(privateKey, RUN_ID, { ttlSeconds: 60 });
    const verified = await verifyRunToken(publicKey, token, { runId: RUN_ID });
    expect(verified.ok && verified.value.id).toBe(RUN_ID);
    expect((await verifyRunToken(publicKey, token)).ok).toBe(true);
  });

  it('is refused for another run', async () => {
    const token = await signRunToken(privateKey, RUN_ID, { ttlSeconds: 60 });
    await expectTokenError(verifyRunToken(publicKey, token, { runId: 'another-run' }), 'wrong_run');
  });

  it('is refused once expired, beyond the 5 s tolerance', async () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const token = await signRunToken(privateKey, RUN_ID, { ttlSeconds: 60, now });
    const at = (s: number) => ({ now: new Date(now.getTime() + s * 1000) });
    expect((await verifyRunToken(publicKey, token, at(64))).ok).toBe(true);
    await expectTokenError(verifyRunToken(publicKey, token, at(66)), 'expired');
  });

  it('is refused before nbf, beyond the 5 s tolerance', async () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const token = await signRunToken(privateKey, RUN_ID, { ttlSeconds: 60, now });
    const at = (s: number) => ({ now: new Date(now.getTime() + s * 1000) });
    expect((await verifyRunToken(publicKey, token, at(-4))).ok).toBe(true);
    await expectTokenError(verifyRunToken(publicKey, token, at(-30)), 'nbf_not_reached');
  });

  it('is refused when signed by another key', async () => {
    const token = await signRunToken(b64(other.privateKey), RUN_ID, { ttlSeconds: 60 });
    await expectTokenError(verifyRunToken(publicKey, token), 'invalid_signature');
  });

  it('is refused without exp, without id, or from another issuer', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const key = createPrivateKey(pkcs8.privateKey);
    const base = () => new SignJWT({ id: RUN_ID }).setProtectedHeader({ alg: 'RS256' });
    await expectTokenError(
      verifyRunToken(publicKey, await base().setIssuer('Lightning').sign(key)),
      'invalid_claims',
    );
    const noId = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('Lightning')
      .setExpirationTime('1h')
      .sign(key);
    await expectTokenError(verifyRunToken(publicKey, noId), 'invalid_claims');
    const wrongIssuer = await base()
      .setIssuer('urn:openfn:worker')
      .setExpirationTime('1h')
      .sign(key);
    await expectTokenError(verifyRunToken(publicKey, wrongIssuer), 'wrong_issuer');
  });

  it('is refused when it is an HS256 token', async () => {
    const token = await signWorkerToken('s3cret', 'w1');
    await expectTokenError(verifyRunToken(publicKey, token), 'invalid_signature');
  });

  it('accepts PKCS#1 keys (openssl genrsa) as well as PKCS#8', async () => {
    const token = await signRunToken(b64(pkcs1.privateKey), RUN_ID, { ttlSeconds: 60 });
    expect(pkcs1.privateKey).toContain('BEGIN RSA PRIVATE KEY');
    expect(pkcs1.publicKey).toContain('BEGIN RSA PUBLIC KEY');
    expect((await verifyRunToken(b64(pkcs1.publicKey), token, { runId: RUN_ID })).ok).toBe(true);
  });

  it('accepts unpadded base64 keys (as Lightning prints them)', async () => {
    // Trailing newlines are harmless in a PEM; add them until the base64 really needs padding.
    const needingPadding = (pem: string) => {
      let text = pem;
      while (!b64(text).endsWith('=')) text += '\n';
      return text;
    };
    const privatePem = needingPadding(pkcs8.privateKey);
    const publicPem = needingPadding(pkcs8.publicKey);
    expect(unpadded(privatePem)).not.toBe(b64(privatePem));
    const token = await signRunToken(unpadded(privatePem), RUN_ID, { ttlSeconds: 60 });
    expect((await verifyRunToken(unpadded(publicPem), token)).ok).toBe(true);
    expect((await verifyRunToken(b64(publicPem), token)).ok).toBe(true);
  });

  it('refuses a ttl that is not positive', async () => {
    await expect(signRunToken(privateKey, RUN_ID, { ttlSeconds: 0 })).rejects.toThrow(/ttlSeconds/);
  });
});
