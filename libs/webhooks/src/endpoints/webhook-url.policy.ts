import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

import { KassaError, ValidationError } from '@kassa/domain';
import ipaddr from 'ipaddr.js';

/** Whether targets on loopback, private and other non-public networks are acceptable. */
export interface WebhookUrlPolicy {
  /** `webhooks.allowPrivateUrls`: on for local development, off in production. */
  allowPrivate: boolean;
}

/** Longest webhook URL accepted; longer ones are almost certainly a mistake. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Resolves a host name to every address it has, like `dns.lookup(name, { all: true })`. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

const resolveWithDns: ResolveHost = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** IPv6 global unicast (RFC 4291 section 2.4); everything outside it is local, special or unallocated. */
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * True when `address` (an IPv4 or IPv6 literal) is a public unicast address. False for
 * loopback, RFC 1918 private, link-local, carrier-grade NAT, unique-local (fc00::/7),
 * multicast, unspecified, documentation and other reserved ranges, and for IPv6 forms that
 * embed an IPv4 address (6to4, NAT64, Teredo) since they may lead back to a private one.
 * IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it maps.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIP(bare)) return false;
  const parsed = ipaddr.process(bare);
  if (parsed.range() !== 'unicast') return false;
  return parsed.kind() === 'ipv4' || parsed.match(IPV6_GLOBAL_UNICAST);
}

function refuse(message: string): ValidationError {
  return ValidationError.field('url', message);
}

/** Host names that mean this machine whatever DNS says (RFC 6761 section 6.3). */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Checks what can be checked without DNS: the URL is absolute http(s), carries no user name
 * or password, and, unless `allowPrivate`, does not name a loopback or private target
 * directly (an IP literal in any notation the WHATWG URL parser accepts, or `localhost`).
 * Host names are resolved by {@link assertWebhookUrlResolvesPublic} (at creation) and again
 * on every delivery (see {@link createGuardedLookup}), which stops DNS rebinding.
 *
 * @returns the parsed URL
 * @throws ValidationError naming field `url`
 */
export function assertWebhookUrlAllowed(url: string, policy: WebhookUrlPolicy): URL {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) throw refuse(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw refuse('must use http or https');
  if (parsed.username !== '' || parsed.password !== '') throw refuse('must not contain a user name or password');
  if (parsed.hostname === '') throw refuse('must name a host');
  if (policy.allowPrivate) return parsed;

  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw refuse('must not point to a loopback, private or reserved address');
  } else if (isLocalhostName(host)) {
    throw refuse('must not point to localhost');
  }
  return parsed;
}

/**
 * {@link assertWebhookUrlAllowed}, and then, unless `allowPrivate`, resolves the host name
 * and refuses it when any of its addresses is not public, or when it does not resolve.
 * Used when an endpoint is created or its URL changed.
 *
 * @throws ValidationError naming field `url`
 */
export async function assertWebhookUrlResolvesPublic(
  url: string,
  policy: WebhookUrlPolicy,
  resolve: ResolveHost = resolveWithDns,
): Promise<URL> {
  const parsed = assertWebhookUrlAllowed(url, policy);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (policy.allowPrivate || isIP(host) !== 0) return parsed;
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    throw refuse(`host '${host}' does not resolve`);
  }
  if (addresses.length === 0) throw refuse(`host '${host}' does not resolve`);
  if (addresses.some((entry) => !isPublicAddress(entry.address))) {
    throw refuse(`host '${host}' resolves to a loopback, private or reserved address`);
  }
  return parsed;
}

/** Raised inside a connection attempt whose host resolved to a refused address. */
export class PrivateAddressError extends KassaError<'webhook_private_address'> {
  readonly code = 'webhook_private_address' as const;

  constructor(readonly hostname: string, readonly address: string) {
    super(`host '${hostname}' resolves to ${address}, a loopback, private or reserved address`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** The `lookup` signature `net.connect` and `tls.connect` call. */
export type ConnectLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for `net.connect` that resolves with `dns.lookup` and fails the connection when
 * any address of the host is not public. Because the socket connects to exactly the
 * addresses this function checked, a name that resolves to a public address at creation and
 * to a private one later (DNS rebinding) is refused at delivery time.
 * IP literals never reach `lookup`; {@link assertWebhookUrlAllowed} covers them.
 */
export function createGuardedLookup(resolve: ResolveHost = resolveWithDns): ConnectLookup {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const addresses = options.family === 4 || options.family === 6 ? all.filter((entry) => entry.family === options.family) : all;
        const refused = addresses.find((entry) => !isPublicAddress(entry.address));
        if (refused) return callback(new PrivateAddressError(hostname, refused.address), '');
        const first = addresses[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, '');
        }
        if (options.all) return callback(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
