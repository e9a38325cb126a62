import { pagePolicy } from '../checkout/content-security-policy';

/**
 * Security headers of every dashboard page: a strict Content-Security-Policy (scripts, styles
 * and images only from Kassa itself, forms only to it, never framed), no caching, no referrer.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': pagePolicy({ formAction: "'self'", frameAncestors: [] }),
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
