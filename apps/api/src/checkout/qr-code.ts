import escapeHtml from 'escape-html';
import QRCode, { type QRCodeErrorCorrectionLevel } from 'qrcode';

import type { PublicPayment } from './public-payment';

/** Error correction level M (15 %) survives a phone camera at an angle (ISO/IEC 18004 §5.3.8). */
const ERROR_CORRECTION: QRCodeErrorCorrectionLevel = 'M';

/** The quiet zone in modules: 2 keeps the code readable on the page's white card. */
const QUIET_ZONE_MODULES = 2;

/** The largest side of a drawn code in CSS pixels: the checkout's 220 px QR column less its 1 px border. */
export const QR_CODE_MAX_SIDE_PX = 218;

/**
 * A QR code of `text` (an EIP-681 payment URI, a link) as an SVG document fragment, drawn by
 * the `qrcode` package: it renders inline in the page, so it shows without JavaScript and
 * loads nothing.
 *
 * Every module is the same whole number of CSS pixels (`width` and `height` are the module
 * count, quiet zone included, times the largest whole size that fits
 * {@link QR_CODE_MAX_SIDE_PX}). Stretched to a fixed box instead, modules come out one device
 * pixel wider or narrower than their neighbours, and a decoder that estimates the module
 * size from the finder patterns fails on some codes: jsQR could not read 5 of 2,000 random
 * payment URIs stretched to 218 px, and read all 2,000 drawn this way (docs/checkout.md
 * "QR code").
 * @param label accessible name of the image (alt text)
 * @returns `<svg …>` markup, `width` and `height` in CSS pixels
 */
export async function qrCodeSvg(text: string, label: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: ERROR_CORRECTION, margin: QUIET_ZONE_MODULES });
  // The code is encoded once (about 1 ms): its side in modules, quiet zone included, is its viewBox's.
  const modules = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  if (!modules) throw new Error('The QR code SVG has no square viewBox');
  const side = Math.max(1, Math.floor(QR_CODE_MAX_SIDE_PX / modules)) * modules;
  return svg.replace('<svg ', `<svg role="img" aria-label="${escapeHtml(label)}" class="qr-code" width="${side}" height="${side}" `);
}

/** The accessible name of a payment's QR code: what scanning it pays. */
export function qrLabel(payment: PublicPayment): string {
  return `QR code: pay ${payment.amountRemaining} ${payment.currency}`;
}
