/**
 * The rules of a merchant's settings (issue 5, "Merchant settings"), checked the same way by
 * the API and the operator CLI.
 */

/** Shortest and longest payment deadline a merchant may set as its default, seconds (as per payment). */
export const MIN_EXPIRES_IN_SECONDS = 60;
export const MAX_EXPIRES_IN_SECONDS = 7 * 24 * 3600;

/** Most checkout origins a merchant may allow. */
export const MAX_ALLOWED_ORIGINS = 20;

const TOLERANCE = /^\d{1,2}(\.\d{1,2})?$/;

/**
 * True for an underpayment tolerance as a decimal string: a percentage from 0 to 99.99 with
 * at most two decimals (`"0"`, `"0.5"`, `"2.25"`). A JSON number is not a tolerance: like
 * amounts, it stays a string so no float touches it.
 */
export function isTolerancePercent(value: unknown): value is string {
  return typeof value === 'string' && TOLERANCE.test(value);
}

/**
 * True for a web origin as browsers send it in `Origin` and as `postMessage` targets it:
 * `http(s)://host[:port]` in canonical form (lowercase host, no default port, no path,
 * query, fragment or credentials), e.g. `https://shop.example` or `http://localhost:8080`.
 * The host is a DNS name of letters, digits and hyphens (RFC 1123 section 2.1; IDNs in
 * their `xn--` form), an IPv4 address or a bracketed IPv6 address: the WHATWG URL parser
 * lets `* ; , ! $ & ( ) + = ' ~ _` through in hosts, and a CSP source list
 * (`frame-ancestors`, CSP3 section 2.3.1) would read them as wildcards or new directives.
 */
export function isWebOrigin(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 300) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value && isHost(url.hostname);
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Bracketed IPv6 as the URL parser writes it (it has already checked the address). */
const IPV6_HOST = /^\[[0-9a-f:.]+\]$/;

/** A host as the URL parser wrote it (lower case): DNS name, IPv4 or bracketed IPv6. */
function isHost(hostname: string): boolean {
  if (IPV6_HOST.test(hostname)) return true;
  return hostname.length <= 253 && hostname.split('.').every((label) => DNS_LABEL.test(label));
}
