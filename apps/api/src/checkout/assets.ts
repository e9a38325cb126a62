import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A static file of the checkout page, served by the API itself under `/pay/assets/`. */
export interface CheckoutAsset {
  body: string;
  contentType: string;
  /** First 12 hex digits of the body's SHA-256, appended as `?v=` so browsers may cache it for long. */
  version: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function load(name: string): CheckoutAsset {
  const body = readFileSync(path.join(__dirname, 'assets', name), 'utf8');
  return {
    body,
    contentType: CONTENT_TYPES[path.extname(name)]!,
    version: createHash('sha256').update(body).digest('hex').slice(0, 12),
  };
}

/**
 * The page's script and stylesheet, read once when the API starts: the script turns the
 * static page into a live one (status stream, countdown, copy button, browser wallet,
 * embed messages); the page works without it.
 */
export const CHECKOUT_ASSETS: Readonly<Record<'checkout.js' | 'checkout.css', CheckoutAsset>> = {
  'checkout.js': load('checkout.js'),
  'checkout.css': load('checkout.css'),
};

/**
 * The URL of an asset relative to a page at `/pay/<id>` (relative, so it also works when
 * the API is published under a path prefix), versioned by its content.
 */
export function assetHref(name: keyof typeof CHECKOUT_ASSETS): string {
  return `assets/${name}?v=${CHECKOUT_ASSETS[name].version}`;
}
