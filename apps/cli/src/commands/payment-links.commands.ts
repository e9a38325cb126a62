import QRCode from 'qrcode';

import type { CreatePaymentLinkParams, PaymentLink } from '@kassa/sdk';

import { CliError } from './pay.command';

/** The options of `kassa payment-link create`, as commander parses them. */
export interface PaymentLinkOptions {
  amount?: string;
  currency?: string;
  chainId?: number;
  price?: string;
  priceCurrency: string;
  accept?: string;
  description?: string;
  singleUse?: boolean;
  expiresAt?: string;
  successUrl?: string;
  cancelUrl?: string;
}

/**
 * The body of `POST /v1/payment-links` for the command's options: a fixed coin
 * (`--amount --currency [--chain-id]`) or a price (`--price [--price-currency] [--accept]`);
 * `--accept` lists coins as `USDC` (every chain that carries it) or `USDC@31337` (one chain).
 * The API checks the rest and names the fields at fault.
 * @throws CliError when neither or both of `--amount` and `--price` are given, or an `--accept` entry is malformed
 */
export function paymentLinkBody(options: PaymentLinkOptions): CreatePaymentLinkParams {
  if ((options.amount === undefined) === (options.price === undefined)) throw new CliError('Give either --amount with --currency (a fixed coin) or --price (a price in --price-currency)');
  const accepted = options.accept?.split(',').map((entry) => {
    const match = /^([A-Za-z0-9.]{1,16})(?:@(\d+))?$/.exec(entry.trim());
    if (!match) throw new CliError(`--accept takes coins such as USDC or USDC@31337, separated by commas; got '${entry}'`);
    return match[2] === undefined ? match[1]! : { currency: match[1]!, chainId: Number(match[2]) };
  });
  return {
    ...(options.amount !== undefined ? { amount: options.amount, currency: options.currency, chainId: options.chainId } : { price: { amount: options.price!, currency: options.priceCurrency }, acceptedCurrencies: accepted }),
    description: options.description,
    reusable: options.singleUse ? false : undefined,
    expiresAt: options.expiresAt,
    successUrl: options.successUrl,
    cancelUrl: options.cancelUrl,
  };
}

/** The lines `kassa payment-link create` prints: what a visit creates, the URL to share and where its QR code is. */
export function formatPaymentLink(link: PaymentLink): string[] {
  const asks = link.price
    ? `${link.price.amount} ${link.price.currency} in ${link.acceptedCurrencies?.map((coin) => (coin.chainId === null ? coin.currency : `${coin.currency}@${coin.chainId}`)).join(', ') ?? 'any accepted coin'}`
    : `${link.amount} ${link.currency}${link.chainId === null ? '' : ` on chain ${link.chainId}`}`;
  const lines = [
    `Payment link ${link.id}: ${link.status}, ${link.reusable ? 'reusable' : 'single-use'}, ${asks}`,
    `  url:      ${link.url}`,
    `  qr code:  ${link.qrCodeUrl}  (SVG, for printing)`,
  ];
  if (link.description) lines.push(`  note:     ${link.description}`);
  if (link.expiresAt) lines.push(`  expires:  ${link.expiresAt}`);
  if (link.successUrl) lines.push(`  success:  ${link.successUrl}`);
  return lines;
}

/** One line of `kassa payment-link list`. */
export function formatPaymentLinkLine(link: PaymentLink): string {
  const asks = link.price ? `${link.price.amount} ${link.price.currency}` : `${link.amount} ${link.currency}`;
  return `${link.id}  ${link.status.padEnd(9)}  ${(link.reusable ? 'reusable' : 'single-use').padEnd(10)}  ${asks}  ${link.url}  ${link.description ?? '-'}`;
}

/** The link's URL as a QR code drawn with text (the `qrcode` package's terminal renderer), to scan off the screen. */
export function terminalQrCode(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
