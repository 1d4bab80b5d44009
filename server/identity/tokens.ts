import crypto from 'node:crypto';

/**
 * Secrets handed to people (invitation tokens, browser session ids,
 * calendar tokens) are 32 random bytes in base64url; only their SHA-256
 * digest is stored, so a copy of the database signs nobody in.
 */
export function newSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** 43 base64url characters; anything else is refused before touching the store. */
const secretPattern = /^[A-Za-z0-9_-]{43}$/;

export function looksLikeSecret(value: string): boolean {
  return secretPattern.test(value);
}
