import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer secrets: 256 random bits, with a prefix saying what they are — a personal API token or a web
 * login session (the cookie's value, also usable as a Bearer token). Only their SHA-256 is stored.
 */
export const API_TOKEN_PREFIX = 'tt_pat_';
export const LOGIN_SESSION_PREFIX = 'tt_ses_';

export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The web login session cookie. */
export const SESSION_COOKIE = 'talus_session';
/** How long a web login lasts. */
export const LOGIN_TTL_MS = 14 * 24 * 3_600_000;
