import { isWebOrigin } from '@kassa/domain';

/**
 * Security headers of the checkout routes. The page loads nothing from other servers:
 * scripts, styles and connections only from its own origin, images only inline (the QR
 * code is inline SVG). Framing is refused, except in embed mode by the merchant's allowed
 * origins (CSP `frame-ancestors`, https://www.w3.org/TR/CSP3/#directive-frame-ancestors).
 */

/**
 * The merchant's allowed origins that are web origins ({@link isWebOrigin}). Anything else
 * is dropped, so a value stored before the API refused it can never add a directive or a
 * wildcard to the policy.
 */
export function validOrigins(origins: readonly string[]): string[] {
  return origins.filter(isWebOrigin);
}

/**
 * The `Content-Security-Policy` of Kassa's own pages (checkout, refund pages, dashboard):
 * scripts, styles, connections and images only from Kassa itself (images also inline), no
 * `<base>`, forms posted only where `formAction` allows.
 * @param frameAncestors origins allowed to frame the page; empty: nobody
 */
export function pagePolicy(options: { formAction: "'none'" | "'self'"; frameAncestors: readonly string[] }): string {
  const ancestors = validOrigins(options.frameAncestors);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    `form-action ${options.formAction}`,
    `frame-ancestors ${ancestors.length > 0 ? ancestors.join(' ') : "'none'"}`,
  ].join('; ');
}

/**
 * The `Content-Security-Policy` of the checkout page: it posts no form.
 * @param frameAncestors origins allowed to frame the page (embed mode); empty: nobody
 */
export function checkoutPolicy(frameAncestors: readonly string[]): string {
  return pagePolicy({ formAction: "'none'", frameAncestors });
}

/** Headers for every checkout answer (page, status, events, assets). */
export const CHECKOUT_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Headers of the page in normal (not embed) mode: never framed. */
export function pageHeaders(frameAncestors: readonly string[], embed: boolean): Record<string, string> {
  return {
    ...CHECKOUT_HEADERS,
    'content-security-policy': checkoutPolicy(embed ? frameAncestors : []),
    ...(embed ? {} : { 'x-frame-options': 'DENY' }),
    'cache-control': 'no-store',
  };
}
