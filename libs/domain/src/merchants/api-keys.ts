import { createHash, randomBytes } from 'node:crypto';

/** Visible prefix of every secret API key, so a leaked key is easy to recognise. */
export const API_KEY_PREFIX = 'kassa_sk_';

const API_KEY_PATTERN = /^kassa_sk_[A-Za-z0-9_-]{43}$/;

/** Scopes an API key may carry: `read` for GET routes, `write` for the rest. */
export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * The scopes a key holding `holder` may give a new key: only its own, so a key cannot mint a
 * more powerful one (a `write`-only key cannot create a `read` key, nor the reverse).
 * @returns the requested scopes the holder lacks (empty when the grant is allowed)
 */
export function scopesBeyond(holder: readonly string[], requested: readonly ApiKeyScope[]): ApiKeyScope[] {
  return requested.filter((scope) => !holder.includes(scope));
}

/**
 * A new secret API key: the prefix plus 32 random bytes, base64url. Shown once; only its
 * SHA-256 hash is stored (DESIGN.md "Merchant API").
 * @returns `{ key, hash, displayPrefix }`: displayPrefix (first 14 chars) identifies the key in lists
 */
export function generateApiKey(): { key: string; hash: string; displayPrefix: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), displayPrefix: key.slice(0, API_KEY_PREFIX.length + 5) };
}

/** SHA-256 hex of an API key, the form in which keys are stored and looked up. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** True when the string has the shape of a Kassa API key (checked before any database read). */
export function looksLikeApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}
