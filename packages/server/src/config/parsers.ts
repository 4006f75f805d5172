// Parsers for environment values. Each takes the raw string and either returns the typed value or
// throws a ConfigProblem whose message says what would be accepted; `load.ts` prefixes the
// variable's name and collects every problem before failing, so an operator sees them all at once.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

export class ConfigProblem extends Error {}

const fail = (message: string): never => {
  throw new ConfigProblem(message);
};

export type Parser<T> = (raw: string) => T;

const zodParser =
  <T>(schema: z.ZodType<T>, expected: string): Parser<T> =>
  (raw) => {
    const result = schema.safeParse(raw.trim());
    if (!result.success) fail(`must be ${expected} (got "${raw}")`);
    return result.data as T;
  };

export const positiveInt = zodParser(
  z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  'a positive integer',
);

export const nonNegativeInt = zodParser(
  z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().nonnegative()),
  'a non-negative integer',
);

export const positiveNumber = zodParser(
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number)
    .pipe(z.number().positive()),
  'a positive number',
);

export const port = zodParser(
  z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(65535)),
  'a port number between 1 and 65535',
);

const TRUE = new Set(['true', 'yes', '1', 'on']);
const FALSE = new Set(['false', 'no', '0', 'off']);

export const bool: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return fail(`must be true or false (got "${raw}")`);
};

export const oneOf =
  <const T extends string>(...options: T[]): Parser<T> =>
  (raw) => {
    const value = raw.trim() as T;
    if (options.includes(value)) return value;
    return fail(`must be one of ${options.join(', ')} (got "${raw}")`);
  };

export const text: Parser<string> = (raw) => raw;

export const nonEmpty: Parser<string> = (raw) =>
  raw.trim() === '' ? fail('must not be empty') : raw.trim();

export const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export const url =
  (...protocols: string[]): Parser<string> =>
  (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw.trim());
    } catch {
      return fail(`must be a URL (got "${raw}")`);
    }
    if (protocols.length && !protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      return fail(`must be a ${protocols.join(' or ')} URL (got "${parsed.protocol}" URL)`);
    }
    return raw.trim();
  };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard-alphabet base64 (padding optional): Buffer.from alone accepts anything. */
export const decodeBase64 = (raw: string): Buffer | undefined => {
  const value = raw.trim();
  if (!BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(value, 'base64');
};

/** A 32-byte key, base64 encoded (the shape `lightning gen-encryption-key` prints). */
export const encryptionKey: Parser<Buffer> = (raw) => {
  const key = decodeBase64(raw);
  if (!key) return fail('must be base64 (standard alphabet) of 32 random bytes');
  if (key.length !== 32) {
    return fail(
      `must be base64 of exactly 32 bytes (got ${key.length} bytes); generate one with \`lightning gen-encryption-key\``,
    );
  }
  return key;
};

export const encryptionKeyList: Parser<Buffer[]> = (raw) =>
  list(raw).map((item, index) => {
    try {
      return encryptionKey(item);
    } catch (error) {
      return fail(`entry ${index + 1} ${(error as Error).message}`);
    }
  });

/** Base64 of a PEM RSA private key, as `lightning gen-worker-keys` prints it. */
export const rsaPrivateKeyPem: Parser<string> = (raw) => {
  const pem = decodeBase64(raw)?.toString('utf8') ?? '';
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') fail(`must be an RSA key (got ${key.asymmetricKeyType})`);
  } catch (error) {
    if (error instanceof ConfigProblem) throw error;
    fail(
      'must be the base64 of a PEM RSA private key; generate one with `lightning gen-worker-keys`',
    );
  }
  return pem;
};

/** Base64 of a PEM RSA public key. */
export const rsaPublicKeyPem: Parser<string> = (raw) => {
  const pem = decodeBase64(raw)?.toString('utf8') ?? '';
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'rsa') fail(`must be an RSA key (got ${key.asymmetricKeyType})`);
  } catch (error) {
    if (error instanceof ConfigProblem) throw error;
    fail(
      'must be the base64 of a PEM RSA public key; generate one with `lightning gen-worker-keys`',
    );
  }
  return pem;
};

/** A PostgreSQL memory size such as `32MB`, `64MB`, `1GB`, `512kB`. */
export const pgMemory: Parser<string> = (raw) => {
  const value = raw.trim();
  if (!/^\d+\s*(kB|MB|GB|TB)?$/.test(value)) {
    return fail(`must be a PostgreSQL memory value such as 32MB or 1GB (got "${raw}")`);
  }
  return value.replace(/\s+/g, '');
};

/** Base64 of a JSON document (GOOGLE_APPLICATION_CREDENTIALS_JSON). */
export const base64Json: Parser<Record<string, unknown>> = (raw) => {
  const decoded = decodeBase64(raw);
  if (!decoded) return fail('must be base64-encoded JSON');
  try {
    const value = JSON.parse(decoded.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error();
    return value as Record<string, unknown>;
  } catch {
    return fail('must be base64 of a JSON object (the service account key file)');
  }
};

/** Kafka's rate: at least 0.1 messages per second. */
export const messagesPerSecond: Parser<number> = (raw) => {
  const value = positiveNumber(raw);
  if (value < 0.1) fail(`must be at least 0.1 (got "${raw}")`);
  return value;
};

export const logLevel = oneOf(
  'fatal',
  'error',
  'warn',
  'warning',
  'info',
  'debug',
  'trace',
  'silent',
);

/**
 * One entry of ORIGINS, in the forms Phoenix's `check_origin` takes: `https://host[:port]`,
 * `//host[:port]` (any scheme) and `//*.host` (any subdomain). A part left out is not checked.
 */
export interface OriginPattern {
  scheme: 'http' | 'https' | undefined;
  /** Lower-case host name; `*.example.org` matches subdomains of example.org. */
  host: string;
  port: string | undefined;
}

const ORIGIN_PATTERN =
  /^(?:(https?):)?\/\/(\*\.)?([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?\/?$/i;

export const originPatternList: Parser<OriginPattern[]> = (raw) =>
  list(raw).map((item) => {
    const match = ORIGIN_PATTERN.exec(item);
    if (!match) {
      return fail(
        `must be a comma-separated list of origins such as https://lightning.example.org, //example.org or //*.example.org (got "${item}")`,
      );
    }
    return {
      scheme: match[1]?.toLowerCase() as OriginPattern['scheme'],
      host: `${match[2] ?? ''}${match[3]!.toLowerCase()}`,
      port: match[4],
    };
  });

/** CORS_ORIGIN: `*`, or exact origins (`https://app.example.org`), since browsers send those. */
export const corsOriginList: Parser<string[]> = (raw) =>
  list(raw).map((item) => {
    if (item === '*') return item;
    let parsed: URL | undefined;
    try {
      parsed = new URL(item);
    } catch {
      parsed = undefined;
    }
    const originOnly =
      parsed?.pathname === '/' && !parsed.search && !parsed.hash && !parsed.username;
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || !originOnly) {
      return fail(
        `must be * or a comma-separated list of origins such as https://app.example.org (got "${item}")`,
      );
    }
    return parsed.origin;
  });

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUSTED_PROXIES: addresses, CIDR ranges, or the names loopback, linklocal and uniquelocal. */
export const trustedProxyList: Parser<string[]> = (raw) =>
  list(raw).map((item) => {
    const [address, prefix, extra] = item.split('/');
    const version = isIP(address ?? '');
    const validPrefix =
      prefix === undefined ||
      (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (PROXY_NAMES.has(item) || (version !== 0 && validPrefix && extra === undefined)) return item;
    return fail(
      `must be a comma-separated list of proxy addresses or CIDR ranges (e.g. 10.0.0.0/8, ::1) or loopback, linklocal, uniquelocal (got "${item}")`,
    );
  });
