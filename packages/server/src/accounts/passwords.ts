// Passwords: argon2id hashing (memory-hard, the library's defaults: 19 MiB, 2 passes) and the
// strength rules a new password must pass. Hashes written by OpenFn Lightning (bcrypt, `$2b$…`)
// still verify, so a migrated instance's users can sign in; sign-in then rehashes them with argon2id. The rules refuse what guessing lists try first — one
// kind of character, the user's own email, common passwords and keyboard runs — and say which rule
// failed, so the person choosing one knows what to change.
import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

export const PASSWORD_MIN_LENGTH = 12;
/** The bcrypt limit Lightning uses; kept so passwords stay portable between the two. */
export const PASSWORD_MAX_LENGTH = 72;

/** An argon2id hash (`$argon2id$…`) of the password. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Hashed once, lazily: verifying against it costs what a real verification costs, so "unknown
// user" answers no faster than "wrong password".
let dummyHash: Promise<string> | undefined;

/**
 * True when `password` matches `hashed`. With no hash (unknown user, user without a password) a
 * dummy hash is verified anyway and the answer is false, keeping the timing of both cases alike.
 */
export async function verifyPassword(
  hashed: string | null | undefined,
  password: string,
): Promise<boolean> {
  if (!hashed) {
    dummyHash ??= hash('not-a-password-anyone-has-0xd15ea5e');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    if (isBcryptHash(hashed)) return await bcrypt.compare(password, hashed);
    return await verify(hashed, password);
  } catch {
    // A malformed stored hash never matches.
    return false;
  }
}

const isBcryptHash = (hashed: string) => /^\$2[aby]\$\d{2}\$/.test(hashed);

/** True for a hash in an older scheme (bcrypt from Lightning), to be replaced after a sign-in. */
export function needsRehash(hashed: string | null | undefined): boolean {
  return !!hashed && !hashed.startsWith('$argon2id$');
}

// Passwords and stems that open the usual guessing lists. A password is refused when it contains
// one of these, after undoing the common letter-for-digit swaps (p@ssw0rd → password).
const COMMON_PATTERNS = [
  'password',
  'passwort',
  'qwerty',
  'azerty',
  'letmein',
  'welcome',
  'iloveyou',
  'admin',
  'changeme',
  'secret',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'master',
  'superman',
  'batman',
  'trustno1',
  'starwars',
  'whatever',
  'shadow',
  'lightning',
  'openfn',
  'abc123',
  '123123',
  '111111',
  '000000',
  '123456',
  '654321',
  '121212',
  '696969',
];

// Rows of the keyboard and the alphabet/digit sequences; four or more neighbours in a row (either
// direction) count as a run.
const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'qwertzuiop',
  'azertyuiop',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
  '!@#$%^&*()',
];
const RUN_LENGTH = 5;

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

function characterClasses(password: string): number {
  let classes = 0;
  if (/[a-z]/.test(password)) classes++;
  if (/[A-Z]/.test(password)) classes++;
  if (/[0-9]/.test(password)) classes++;
  if (/[^a-zA-Z0-9]/.test(password)) classes++;
  return classes;
}

function keyboardRun(lower: string): string | undefined {
  for (let start = 0; start + RUN_LENGTH <= lower.length; start++) {
    const piece = lower.slice(start, start + RUN_LENGTH);
    const reversed = [...piece].reverse().join('');
    for (const sequence of SEQUENCES) {
      if (sequence.includes(piece) || sequence.includes(reversed)) return piece;
    }
  }
  return undefined;
}

/**
 * The rules `passwordProblems` enforces, in words for the person choosing a password (the sign-up
 * and password forms list them before anything is typed, from `GET /api/instance`). Kept beside
 * the checks so the two change together.
 */
export const PASSWORD_RULES: readonly string[] = [
  `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  'at least two kinds of character: lower-case, capitals, digits or symbols',
  'at least five different characters, and no character five times in a row',
  'not built on a common password ("password", "qwerty", "123456", "p@ssw0rd"…)',
  'no keyboard or alphabet runs of five ("12345", "qwert", "abcde")',
  'not your email address or your name',
];

export interface PasswordOwner {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

/**
 * Why this password is refused (one message per failed rule), or an empty list when it is
 * acceptable. Messages never repeat the password itself.
 */
export function passwordProblems(password: string, owner: PasswordOwner = {}): string[] {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return [`should be at least ${PASSWORD_MIN_LENGTH} characters long`];
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return [`should be at most ${PASSWORD_MAX_LENGTH} characters long`];
  }
  const problems: string[] = [];
  const lower = password.toLowerCase();
  if (characterClasses(password) < 2) {
    problems.push('uses only one kind of character; mix letters with digits, capitals or symbols');
  }
  if (new Set(lower).size < 5) {
    problems.push('repeats too few different characters');
  } else if (/(.)\1{4}/.test(lower)) {
    problems.push('repeats the same character five or more times in a row');
  }
  const unleet = [...lower].map((c) => LEET[c] ?? c).join('');
  const common = COMMON_PATTERNS.find(
    (pattern) => lower.includes(pattern) || unleet.includes(pattern),
  );
  if (common)
    problems.push(`is built on a common password ("${common}"); choose something less guessable`);
  const run = keyboardRun(lower);
  if (run && !common)
    problems.push('contains a keyboard or alphabet run; avoid sequences like "12345" or "qwert"');
  const local = owner.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 3 && lower.includes(local)) {
    problems.push('must not contain your email address');
  }
  for (const name of [owner.firstName, owner.lastName]) {
    const part = name?.trim().toLowerCase();
    if (part && part.length >= 4 && lower.includes(part)) {
      problems.push('must not contain your name');
      break;
    }
  }
  return problems;
}
