import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { TalusError } from '@talus/core';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@talus/protocol';

/**
 * Passwords are hashed with scrypt (memory-hard): N = 2^15, r = 8, p = 1 take 32 MiB and about 100 ms per
 * hash. The stored string carries its parameters and salt — `scrypt$N$r$p$salt$hash` (base64url) — so that
 * the cost can be raised later without invalidating existing hashes.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Upper bounds accepted when reading a stored hash, so that a damaged row cannot ask for gigabytes. */
const MAX = { N: 2 ** 20, r: 32, p: 16 } as const;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, COST.N, COST.r, COST.p);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` matches the stored hash (constant-time comparison; false for a malformed hash). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const valid =
    Number.isInteger(N) &&
    N > 1 &&
    N <= MAX.N &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= MAX.r &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= MAX.p;
  if (!valid) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await derive(password, salt, N, r, p);
  return timingSafeEqual(key, expected);
}

/** A hash no password matches, verified against for unknown usernames so that they take as long. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(32).toString('hex'));
  return dummy;
}

const USERNAME = /^[a-z0-9_.-]{3,32}$/;

/** The account rules of PRODUCT.md section 9, for the CLI (the REST schemas say the same). */
export function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw new TalusError('INVALID_REQUEST', 'a username is 3–32 characters of a-z 0-9 _ . -', {
      field: 'username',
    });
  }
}

export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new TalusError(
      'INVALID_REQUEST',
      `a password is at least ${PASSWORD_MIN_LENGTH} characters (at most ${PASSWORD_MAX_LENGTH})`,
      { field: 'password' },
    );
  }
}

export function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw new TalusError('INVALID_REQUEST', 'a name is 1–100 characters', { field: 'name' });
  }
  return trimmed;
}
