import escapeHtml from 'escape-html';
import QRCode from 'qrcode';

import type { PublicPayment } from './public-payment';

/**
 * A QR code of `text` (an EIP-681 payment URI) as an SVG document fragment, drawn by the
 * `qrcode` package: it renders inline in the page, so it shows without JavaScript and
 * loads nothing. Error correction level M (15 %) survives a phone camera at an angle; the
 * 2-module quiet zone keeps it readable on a white card.
 * @param label accessible name of the image (alt text)
 */
export async function qrCodeSvg(text: string, label: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return svg.replace('<svg ', `<svg role="img" aria-label="${escapeHtml(label)}" class="qr-code" `);
}

/** The accessible name of a payment's QR code: what scanning it pays. */
export function qrLabel(payment: PublicPayment): string {
  return `QR code: pay ${payment.amountRemaining} ${payment.currency}`;
}
