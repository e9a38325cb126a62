/** What replaces a secret in a log line. */
export const REDACTED = '[redacted]';

/**
 * Object keys whose values never reach a log, at any depth (compared lower-case, without
 * `-` and `_`): credentials, signing secrets, private keys, raw headers carrying them.
 */
const SECRET_KEYS = new Set(['authorization', 'cookie', 'setcookie', 'apikey', 'key', 'secret', 'signingsecret', 'webhooksecret', 'password', 'privatekey', 'gaspayerkey', 'mnemonic', 'accesstoken', 'operatortoken', 'databaseurl', 'rpcurl', 'rpcurls', 'wsurl']);

/**
 * Secrets recognised inside free text: API keys (`kassa_sk_...`), Standard Webhooks signing
 * secrets (`whsec_...`), bearer credentials, and the user info and query string of URLs
 * (RPC and database URLs carry API keys and passwords there). Key-like path segments of
 * URLs are redacted after these (see `looksLikeKey`).
 */
const SECRET_PATTERNS: readonly [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  [/kassa_sk_[A-Za-z0-9_-]+/g, REDACTED],
  [/whsec_[A-Za-z0-9+/=]+/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, (_match, scheme: string) => `${scheme} ${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]*@/gi, (_match, scheme: string) => `${scheme}${REDACTED}@`],
  [/\b(https?|wss?):\/\/([^\s/?#]+)([^\s?#]*)\?[^\s#]+/gi, (_match, scheme: string, host: string, path: string) => `${scheme}://${host}${path}?${REDACTED}`],
];

/** The path of an http(s) or ws(s) URL in free text (group 1: scheme and host, group 2: the path). */
const URL_PATH = /\b((?:https?|wss?):\/\/[^\s/?#]+)(\/[^\s?#]*)/gi;

/** A Kassa id (`pay_01J...`: a prefix and a ULID) is no secret. */
const KASSA_ID = /^[a-z]{2,8}_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Whether a URL path segment looks like a credential: RPC providers put the project key in
 * the path (Alchemy `/v2/<key>`, Infura `/v3/<32 hex>`, Ankr `/<chain>/<64 hex>`, QuickNode
 * `/<token>/`): 16 or more letters, digits, `_` or `-`, with at least one digit and one letter.
 */
function looksLikeKey(segment: string): boolean {
  return segment.length >= 16 && /^[A-Za-z0-9_-]+$/.test(segment) && /[0-9]/.test(segment) && /[A-Za-z]/.test(segment) && !KASSA_ID.test(segment);
}

/** `text` with every secret {@link SECRET_PATTERNS} recognises replaced by {@link REDACTED}, and key-like URL path segments too. */
export function redactText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    result = result.replace(pattern, replacement as (substring: string, ...args: string[]) => string);
  }
  return result.replace(URL_PATH, (_match, origin: string, path: string) =>
    origin + path.split('/').map((segment) => (looksLikeKey(segment) ? REDACTED : segment)).join('/'),
  );
}

/** Whether a field of this name holds a secret (see {@link SECRET_KEYS}). */
export function isSecretKey(name: string): boolean {
  return SECRET_KEYS.has(name.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * A copy of `value` safe to log: fields named as secrets replaced by {@link REDACTED}, and
 * secrets inside strings (at any depth) redacted. Errors keep their name, message and
 * stack (redacted); cycles and depth beyond 8 are cut.
 */
export function redactValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 8) return '[truncated]';
  seen.add(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), stack: value.stack ? redactText(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return redactValue(json.call(value), depth + 1, seen);
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = isSecretKey(key) ? REDACTED : redactValue(field, depth + 1, seen);
  return copy;
}
